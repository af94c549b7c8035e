"""Purchased external data: what a data vendor sells the insurer, with the vendor's own quirks.

Two exports (see `simulator.contract.EXPORTS`):

* `external_areas` - one row per 3-digit postal code the simulator uses (every code in
  `simulator.people.CITY_POSTCODES`): population, median household income, urbanisation and
  median age. Taipei is urban throughout; elsewhere each city's first code is its urban centre
  and the others are suburban or rural.
* `external_households` - one record per person the vendor knows. The vendor knows about 85% of
  a block's customers (prospects included) and keys them by `national_id_sha256`, the SHA-256
  hex digest of the upper-case national ID. Postal codes come in the vendor's 5-digit form (the
  3-digit code followed by two digits). Household size is 1-6 and larger for married people;
  home ownership (Y/N/U) rises with age and income; the vendor's income bands A-E follow the
  insurer's income band (low -> A/B, middle -> B/C/D, high -> D/E); match_confidence is 0.50-1.00
  with two decimals.

Quirks of the household file (each record carries at most one, named in the truth's `quirk`):

* `lower_case_hash` (~2% of records): the vendor hashed the national ID in lower case, so the
  digest does not match the upper-case hash of any customer.
* `vendor_duplicate` (~1%): the vendor's own duplicate of another record - same hash, a different
  `vendor_record_id` and slightly different attributes (household size off by one, sometimes
  another postal suffix or vehicle count). The duplicate's match_confidence is always strictly
  lower than its original's, so "keep the highest match_confidence per hash" keeps the original.
  The original record has quirk ''.
* `not_a_customer` (~3%): a person who is not the insurer's customer (the hash of a valid-looking
  national ID no customer has); nothing matches. Their `customer_id` in the truth is ''.
* `missing_attributes` (~5%): household_size and/or home_owner are missing.

Missing-value convention: a missing integer (household_size) is the sentinel `MISSING_INT` (-1)
in its int64 array, and a missing code (home_owner) is the empty string ''. No other value is
ever missing and -1 is never a real value. `households_table` turns both into nulls, which the
writer (DuckDB's CSV writer) delivers as empty fields; hand that table, not the raw arrays, to
`simulator.writer.write_batch`.

The truth (never read by the pipeline) has one row per export record: vendor_record_id,
customer_id ('' for non-customers) and quirk ('' or one of `QUIRKS`).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

from simulator.block import Block
from simulator.contract import EXPORTS, INCOME_BANDS
from simulator.ids import make_ids
from simulator.national_id import STRANGER_BASE, make_national_ids
from simulator.people import CITY_POSTCODES, INCOME_SHARE

MISSING_INT = -1  # a missing integer in the export arrays (an empty field once written)
QUIRKS = ("lower_case_hash", "vendor_duplicate", "not_a_customer", "missing_attributes")

KNOWN_SHARE = 0.85  # of the block's customers, prospects included
LOWER_CASE_SHARE = 0.02
DUPLICATE_SHARE = 0.01
NOT_A_CUSTOMER_SHARE = 0.03
STRANGERS_PER_BLOCK = 10**5  # person numbers each block keeps for them (national_id.py)
MISSING_SHARE = 0.05

VENDOR_BANDS = np.array(["A", "B", "C", "D", "E"])
# P(vendor band | insurer income band low / middle / high).
VENDOR_BAND_GIVEN_INCOME = np.array(
    [
        [0.60, 0.40, 0.00, 0.00, 0.00],
        [0.00, 0.30, 0.45, 0.25, 0.00],
        [0.00, 0.00, 0.00, 0.45, 0.55],
    ]
)
URBANISATION = np.array(["urban", "suburban", "rural"])
# Outside Taipei: P(suburban) for the codes that are not the city centre; the rest are rural.
SUBURBAN_SHARE = {
    "New Taipei": 0.8, "Taoyuan": 0.6, "Taichung": 0.6, "Tainan": 0.5, "Kaohsiung": 0.6,
}  # fmt: skip
CITY_INCOME_TWD = {
    "Taipei": 1_450_000, "New Taipei": 1_150_000, "Taoyuan": 1_200_000,
    "Taichung": 1_080_000, "Tainan": 980_000, "Kaohsiung": 1_020_000,
}  # fmt: skip


def external_areas(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One row per 3-digit postal code in `CITY_POSTCODES`; columns of `external_areas`."""
    city = np.array([c for c, codes in CITY_POSTCODES.items() for _ in codes])
    code = np.array([x for codes in CITY_POSTCODES.values() for x in codes])
    n = len(code)
    first_of_city = np.r_[True, city[1:] != city[:-1]]
    suburban_p = np.array([SUBURBAN_SHARE.get(c, 1.0) for c in city])
    kind = np.where(rng.random(n) < suburban_p, 1, 2)
    kind = np.where((city == "Taipei") | first_of_city, 0, kind)

    population = np.select(
        [kind == 0, kind == 1],
        [rng.integers(140_000, 260_000, n), rng.integers(70_000, 180_000, n)],
        rng.integers(15_000, 65_000, n),
    )
    base_income = np.array([CITY_INCOME_TWD[c] for c in city])
    income = base_income * np.array([1.12, 0.97, 0.80])[kind] * rng.normal(1.0, 0.05, n)
    median_age = np.array([41, 42, 47])[kind] + rng.integers(-2, 3, n)
    columns = {
        "postal_code": code,
        "population": population.astype(np.int64),
        "median_household_income_twd": (np.round(income, -3)).astype(np.int64),
        "urbanisation": URBANISATION[kind],
        "median_age": median_age.astype(np.int64),
    }
    return {name: columns[name] for name in EXPORTS["external_areas"].names()}


def _sha256_hex(texts: np.ndarray) -> np.ndarray:
    digests = [hashlib.sha256(t.encode("ascii")).hexdigest() for t in texts.tolist()]
    return np.array(digests, dtype="<U64")


def _attributes(
    rng: np.random.Generator,
    age: np.ndarray,
    married: np.ndarray,
    income_idx: np.ndarray,
    postal3: np.ndarray,
) -> dict[str, np.ndarray]:
    """The vendor's view of each person's household (nothing missing yet)."""
    n = len(age)
    adults = np.where(married, 2, 1)
    # A grandparent or grown child now and then; children for most married couples.
    others = (rng.random(n) < 0.12).astype(np.int64)
    children = rng.poisson(np.where(married, 1.3, 0.25))
    household_size = np.clip(adults + others + children, 1, 6)
    children_count = np.clip(household_size - adults - others, 0, None)

    cum = VENDOR_BAND_GIVEN_INCOME.cumsum(axis=1)[income_idx]
    band_idx = np.minimum((rng.random(n)[:, None] >= cum).sum(axis=1), 4)

    logit = -2.3 + 0.07 * (age - 30) + 0.55 * band_idx + 0.4 * married
    owns = rng.random(n) < 1 / (1 + np.exp(-logit))
    home_owner = np.where(rng.random(n) < 0.04, "U", np.where(owns, "Y", "N"))

    vehicle_count = np.clip(rng.poisson(0.3 + 0.3 * band_idx + 0.3 * married), 0, 4)
    confidence = np.round(0.5 + 0.5 * rng.beta(4.0, 1.5, n), 2)
    suffix = np.char.mod("%02d", rng.integers(0, 100, n)).astype("<U2")
    return {
        "postal_code": np.char.add(postal3, suffix),
        "household_size": household_size.astype(np.int64),
        "home_owner": home_owner.astype("<U1"),
        "household_income_band": VENDOR_BANDS[band_idx],
        "children_count": children_count.astype(np.int64),
        "vehicle_count": vehicle_count.astype(np.int64),
        "match_confidence": confidence,
    }


def external_households(
    block: Block, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The vendor's household file for one block, and its truth. See the module docstring."""
    c = block.customers
    snapshot = np.datetime64(block.cfg.end, "D")

    # The customers the vendor knows, and the quirk each base record gets (at most one).
    known = np.flatnonzero(rng.random(len(c["customer_id"])) < KNOWN_SHARE)
    m = len(known)
    u = rng.random(m)
    cut = np.cumsum([LOWER_CASE_SHARE, MISSING_SHARE, DUPLICATE_SHARE])
    lower, missing, duplicated = (
        u < cut[0],
        (u >= cut[0]) & (u < cut[1]),
        (u >= cut[1]) & (u < cut[2]),
    )

    birth = c["birth_date"][known]
    age_days = (snapshot - birth).astype("timedelta64[D]").astype(np.int64)
    age = np.where(np.isnat(birth), 40, age_days // 365)
    band = c["income_band"][known]
    income_idx = np.select([band == b for b in INCOME_BANDS], range(len(INCOME_BANDS)), 1)
    postal3 = c["postal_code"][known].astype("<U3")
    base = _attributes(rng, age, c["marital_status"][known] == "married", income_idx, postal3)
    national_id = np.char.upper(c["national_id"][known].astype(str))
    base["national_id_sha256"] = _sha256_hex(
        np.where(lower, np.char.lower(national_id), national_id)
    )
    # An original with a duplicate has room for the duplicate's lower confidence.
    base["match_confidence"] = np.where(
        duplicated, np.maximum(base["match_confidence"], 0.6), base["match_confidence"]
    )
    quirk = np.select([lower, missing], ["lower_case_hash", "missing_attributes"], "").astype(
        "<U18"
    )
    customer_id = c["customer_id"][known].astype(str)

    # Missing household_size and/or home_owner.
    r = rng.random(m)
    base["household_size"] = np.where(missing & (r < 0.7), MISSING_INT, base["household_size"])
    base["home_owner"] = np.where(missing & (r >= 0.4), "", base["home_owner"])

    # The vendor's duplicates: same hash, a lower confidence, slightly different attributes.
    src = np.flatnonzero(duplicated)
    d = len(src)
    dup = {k: v[src].copy() for k, v in base.items()}
    size = dup["household_size"]
    step = np.where(rng.random(d) < 0.5, 1, -1)
    step = np.where(size <= 1, 1, np.where(size >= 6, -1, step))
    dup["household_size"] = size + step
    dup["vehicle_count"] = np.where(
        rng.random(d) < 0.4, np.clip(dup["vehicle_count"] + 1, 0, 4), dup["vehicle_count"]
    )
    resuffix = rng.random(d) < 0.3
    new_suffix = np.char.mod("%02d", rng.integers(0, 100, d)).astype("<U2")
    dup["postal_code"] = np.where(
        resuffix, np.char.add(dup["postal_code"].astype("<U3"), new_suffix), dup["postal_code"]
    )
    drop = rng.integers(1, 21, d) / 100
    dup["match_confidence"] = np.round(np.maximum(dup["match_confidence"] - drop, 0.5), 2)

    # People the insurer has never seen: valid-looking IDs that belong to no customer.
    k = int(round(NOT_A_CUSTOMER_SHARE / (1 - NOT_A_CUSTOMER_SHARE) * (m + d)))
    # Their person numbers lie beyond every customer's, so their IDs are no customer's.
    stranger_ids = make_national_ids(
        block.cfg.seed, STRANGER_BASE + block.index * STRANGERS_PER_BLOCK + np.arange(k),
        rng.random(k) < 0.5,
    )  # fmt: skip
    all_codes = np.array([x for codes in CITY_POSTCODES.values() for x in codes])
    stranger = _attributes(
        rng,
        np.clip(rng.normal(42, 12, k), 20, 80).astype(np.int64),
        rng.random(k) < 0.55,
        rng.choice(3, size=k, p=INCOME_SHARE),
        all_codes[rng.integers(0, len(all_codes), k)],
    )
    stranger["national_id_sha256"] = _sha256_hex(stranger_ids)

    # Assemble, shuffle (duplicates are not next to their originals) and number the records.
    parts = (base, dup, stranger)
    order = rng.permutation(m + d + k)
    n = len(order)
    columns = {name: np.concatenate([p[name] for p in parts])[order] for name in base}
    columns["vendor_record_id"] = make_ids("V", block.index, n, 11)
    export = {name: columns[name] for name in EXPORTS["external_households"].names()}
    truth = {
        "vendor_record_id": columns["vendor_record_id"],
        "customer_id": np.concatenate([customer_id, customer_id[src], np.full(k, "")])[order],
        "quirk": np.concatenate(
            [quirk, np.full(d, "vendor_duplicate"), np.full(k, "not_a_customer")]
        )[order],
    }
    return export, truth


def households_table(export: dict[str, np.ndarray]) -> pa.Table:
    """The household export as a table for the writer: -1 and '' become nulls (empty fields)."""
    arrays = {}
    for name, values in export.items():
        if name in ("household_size", "children_count", "vehicle_count"):
            arrays[name] = pa.array(values, mask=values == MISSING_INT)
        elif name == "home_owner":
            arrays[name] = pa.array(values, mask=values == "")
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)
