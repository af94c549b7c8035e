"""The vendor's external data: contract columns and codes, matchable hashes and listed quirks."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from simulator.block import Block
from simulator.config import WorldConfig
from simulator.contract import EXPORTS
from simulator.external import (
    MISSING_INT,
    QUIRKS,
    external_areas,
    external_households,
    households_table,
)
from simulator.national_id import make_national_ids
from simulator.people import CITY_POSTCODES

N = 1000
ALL_CODES = [code for codes in CITY_POSTCODES.values() for code in codes]


@pytest.fixture(scope="module")
def block() -> Block:
    rng = np.random.default_rng(11)
    is_male = rng.random(N) < 0.5
    city = np.array(list(CITY_POSTCODES))[rng.integers(0, len(CITY_POSTCODES), N)]
    postal = np.array([CITY_POSTCODES[c][i % len(CITY_POSTCODES[c])] for c, i in
                       zip(city, rng.integers(0, 5, N), strict=True)])  # fmt: skip
    birth = np.datetime64("1985-06-15") + rng.integers(-7000, 7000, N) * np.timedelta64(1, "D")
    customers = {
        "customer_id": np.char.add("C", np.char.zfill(np.arange(N).astype(str), 9)),
        "national_id": make_national_ids(11, np.arange(N), is_male),
        "birth_date": birth,
        "gender": np.where(is_male, "M", "F"),
        "marital_status": np.array(["single", "married", "divorced", "widowed"])[
            rng.choice(4, N, p=[0.35, 0.55, 0.07, 0.03])
        ],
        "income_band": np.array(["low", "middle", "high"])[rng.choice(3, N, p=[0.47, 0.37, 0.16])],
        "city": city,
        "district": np.char.add(city, " district"),
        "postal_code": postal,
        "segment": np.full(N, "family_builders"),
        "is_prospect": rng.random(N) < 0.2,
    }
    return Block(index=3, cfg=WorldConfig(customers=N), customers=customers)


@pytest.fixture(scope="module")
def households(block):
    return external_households(block, np.random.default_rng(5))


def _upper_hashes(national_ids: np.ndarray) -> np.ndarray:
    return np.array([hashlib.sha256(x.upper().encode()).hexdigest() for x in national_ids])


def _assert_codes(export_name: str, data: dict[str, np.ndarray]) -> None:
    for column in EXPORTS[export_name].columns:
        if column.codes:
            values = data[column.name]
            present = values[values != ""] if not column.required else values
            assert set(present) <= set(column.codes), column.name


def test_areas_follow_the_contract():
    areas = external_areas(np.random.default_rng(1))
    assert list(areas) == EXPORTS["external_areas"].names()
    assert sorted(areas["postal_code"]) == sorted(ALL_CODES)
    assert len({len(v) for v in areas.values()}) == 1
    _assert_codes("external_areas", areas)
    taipei = np.isin(areas["postal_code"], CITY_POSTCODES["Taipei"])
    assert (areas["urbanisation"][taipei] == "urban").all()
    assert len(set(areas["urbanisation"][~taipei])) > 1
    assert (areas["population"] > 0).all() and (areas["median_household_income_twd"] > 0).all()
    assert ((areas["median_age"] >= 30) & (areas["median_age"] <= 60)).all()


def test_households_follow_the_contract(households):
    export, truth = households
    assert list(export) == EXPORTS["external_households"].names()
    assert list(truth) == ["vendor_record_id", "customer_id", "quirk"]
    lengths = {len(v) for v in (*export.values(), *truth.values())}
    assert len(lengths) == 1
    assert len(set(export["vendor_record_id"])) == len(export["vendor_record_id"])
    assert (truth["vendor_record_id"] == export["vendor_record_id"]).all()
    assert export["vendor_record_id"][0].startswith("V003")
    _assert_codes("external_households", export)

    postal = export["postal_code"]
    assert all(len(p) == 5 and p.isdigit() for p in postal)
    assert set(postal.astype("<U3")) <= set(ALL_CODES)

    size = export["household_size"]
    assert ((size == MISSING_INT) | ((size >= 1) & (size <= 6))).all()
    assert (export["children_count"] >= 0).all() and (export["vehicle_count"] >= 0).all()
    conf = export["match_confidence"]
    assert ((conf >= 0.5) & (conf <= 1.0)).all()
    assert np.allclose(conf, np.round(conf, 2))
    assert all(len(h) == 64 for h in export["national_id_sha256"])


def test_most_customers_match_on_the_upper_case_hash(block, households):
    export, truth = households
    hashes = _upper_hashes(block.customers["national_id"])
    matched = np.isin(hashes, export["national_id_sha256"]).mean()
    assert 0.78 < matched < 0.88  # ~85% known, less the ~2% hashed in lower case
    # Every matching record names the customer whose ID it hashes.
    by_hash = dict(zip(hashes, block.customers["customer_id"], strict=True))
    for digest, customer in zip(export["national_id_sha256"], truth["customer_id"], strict=True):
        if digest in by_hash:
            assert by_hash[digest] == customer


def test_each_quirk_occurs_and_is_listed_in_the_truth(block, households):
    export, truth = households
    quirk, n = truth["quirk"], len(truth["quirk"])
    assert set(quirk) <= {"", *QUIRKS}
    for name, share in [("lower_case_hash", 0.02), ("vendor_duplicate", 0.01),
                        ("not_a_customer", 0.03), ("missing_attributes", 0.05)]:  # fmt: skip
        count = (quirk == name).sum()
        assert count > 0, name
        assert abs(count / n - share) < share * 0.8 + 0.005, name

    hashes = _upper_hashes(block.customers["national_id"])
    digest = export["national_id_sha256"]

    lower = quirk == "lower_case_hash"
    assert not np.isin(digest[lower], hashes).any()
    ids = dict(zip(block.customers["customer_id"], block.customers["national_id"], strict=True))
    for d, customer in zip(digest[lower], truth["customer_id"][lower], strict=True):
        assert d == hashlib.sha256(ids[customer].lower().encode()).hexdigest()

    strangers = quirk == "not_a_customer"
    assert (truth["customer_id"][strangers] == "").all()
    assert (truth["customer_id"][~strangers] != "").all()
    assert not np.isin(digest[strangers], hashes).any()

    missing = quirk == "missing_attributes"
    gap = (export["household_size"] == MISSING_INT) | (export["home_owner"] == "")
    assert (gap == missing).all()

    # Duplicates share their original's hash and customer, but not its confidence or attributes.
    dup = quirk == "vendor_duplicate"
    for i in np.flatnonzero(dup):
        original = np.flatnonzero((digest == digest[i]) & ~dup)
        assert len(original) == 1
        j = original[0]
        assert truth["customer_id"][j] == truth["customer_id"][i]
        assert truth["vendor_record_id"][j] != truth["vendor_record_id"][i]
        assert export["match_confidence"][i] < export["match_confidence"][j]
        assert export["household_size"][i] != export["household_size"][j]
    # Apart from the duplicates, each hash appears once.
    assert len(set(digest[~dup])) == (~dup).sum()


def test_vendor_bands_follow_the_insurer_income_band(block, households):
    export, truth = households
    band = dict(zip(block.customers["customer_id"], block.customers["income_band"], strict=True))
    allowed = {"low": {"A", "B"}, "middle": {"B", "C", "D"}, "high": {"D", "E"}}
    for customer, vendor_band in zip(
        truth["customer_id"], export["household_income_band"], strict=True
    ):
        if customer:
            assert vendor_band in allowed[band[customer]]


def test_married_households_are_larger(block, households):
    export, truth = households
    marital = dict(zip(block.customers["customer_id"], block.customers["marital_status"],
                       strict=True))  # fmt: skip
    status = np.array([marital.get(c, "") for c in truth["customer_id"]])
    size = export["household_size"]
    known = size != MISSING_INT
    assert size[known & (status == "married")].mean() > size[known & (status == "single")].mean()


def test_output_is_deterministic_for_a_seed(block, households):
    again = external_households(block, np.random.default_rng(5))
    for first, second in zip(households, again, strict=True):
        for name in first:
            assert (first[name] == second[name]).all(), name
    other, _ = external_households(block, np.random.default_rng(6))
    assert not np.array_equal(other["national_id_sha256"], households[0]["national_id_sha256"])
    a, b = external_areas(np.random.default_rng(1)), external_areas(np.random.default_rng(1))
    assert all((a[name] == b[name]).all() for name in a)


def test_the_table_for_the_writer_has_nulls_for_missing_values(households):
    export, _ = households
    table = households_table(export)
    assert table.column_names == EXPORTS["external_households"].names()
    assert table["household_size"].null_count == (export["household_size"] == MISSING_INT).sum()
    assert table["home_owner"].null_count == (export["home_owner"] == "").sum()
    assert table["vendor_record_id"].null_count == 0
