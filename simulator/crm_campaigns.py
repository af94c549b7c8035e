"""Marketing campaigns: the campaign list, who each campaign touched, and who it converted.

Campaigns are global (the same list for every block); touches and conversions are drawn per
block. Every campaign holds out a randomised control group, and a customer's response depends on
their true segment through `segments.BASE_RESPONSE` and `segments.TRUE_UPLIFT`, so an uplift model
fitted on the touches can be checked against `campaign_uplift_truth`. This module also holds the
small helpers the other CRM modules share.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from simulator.block import Block
from simulator.config import WorldConfig
from simulator.contract import CAMPAIGN_CHANNELS, CAMPAIGN_TYPES, PRODUCT_TYPES
from simulator.ids import DAY, NAT, add_months, make_ids
from simulator.segments import BASE_RESPONSE, PRODUCT_PREFERENCE, SEGMENTS, TRUE_UPLIFT

# A date later than anything simulated, so "never" compares like a date (NaT compares False).
FAR = np.datetime64("2999-12-31", "D")

CAMPAIGNS_PER_YEAR = 3
TYPE_SHARE = (0.25, 0.40, 0.15, 0.20)  # in CAMPAIGN_TYPES order: cross-sell is the workhorse
CHANNEL_SHARE = (0.30, 0.30, 0.25, 0.15)  # in CAMPAIGN_CHANNELS order
COST_PER_CONTACT = {"direct_mail": 120, "telemarketing": 250, "email": 30, "agent_visit": 800}
TARGET_SHARE = (0.05, 0.15)  # share of eligible customers a campaign selects
CONTROL_SHARE = 0.20
WINBACK_AFTER = np.timedelta64(
    365, "D"
)  # win-back campaigns run once the book has former customers
CONVERSION_SHARE = 0.40  # of responders, for campaigns that sell something
# A campaign's contact channel decides the sales channel of the policies it wins.
SALES_CHANNEL = {
    "direct_mail": "direct_mail", "telemarketing": "telemarketing",
    "email": "telemarketing", "agent_visit": "agent",
}  # fmt: skip

PRODUCT_WORDS = {
    "term": "term life", "whole_life": "whole life", "endowment": "endowment",
    "critical_illness": "critical illness", "annuity": "annuity",
    "investment_linked": "investment-linked",
}  # fmt: skip
TYPE_WORDS = {
    "retention": "retention", "cross_sell": "cross-sell", "winback": "win-back",
    "acquisition": "acquisition",
}  # fmt: skip


# --- helpers shared by the CRM modules -------------------------------------------------------


def new_ids(prefix: str, block: int, count: int, width: int) -> np.ndarray:
    """`ids.make_ids`, which cannot make zero ids (np.char.zfill fails on an empty array)."""
    if count == 0:
        return np.array([], dtype=f"<U{len(prefix) + width}")
    return make_ids(prefix, block, count, width)


def uniform_dates(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform dates in [lo, hi] (hi >= lo); unlike ids.random_dates, any day of the month."""
    return lo + (rng.random(len(lo)) * ((hi - lo) // DAY + 1)).astype(np.int64) * DAY


def segment_index(customers: dict[str, np.ndarray]) -> np.ndarray:
    """Each customer's true segment as an index into SEGMENTS."""
    names = np.array(SEGMENTS)
    order = np.argsort(names)
    pos = np.clip(np.searchsorted(names[order], customers["segment"]), 0, len(names) - 1)
    found = names[order][pos] == customers["segment"]
    if not found.all():
        raise ValueError(f"unknown segments: {sorted(set(customers['segment'][~found]))}")
    return order[pos]


def recode(values: np.ndarray, mapping: dict[str, str], default: str) -> np.ndarray:
    """Map codes through a dict, vectorised; codes not in the dict become `default`."""
    keys = np.array(sorted(mapping))
    targets = np.array([mapping[k] for k in keys])
    pos = np.clip(np.searchsorted(keys, values), 0, len(keys) - 1)
    return np.where(keys[pos] == values, targets[pos], default)


def draw_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows x categories) probability matrix."""
    cumulative = probabilities.cumsum(axis=1)
    u = rng.random(len(probabilities))[:, None] * cumulative[:, -1:]
    return np.minimum((u > cumulative).sum(axis=1), probabilities.shape[1] - 1)


def draw_product_types(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    """Product types people of these segments would ask about or buy."""
    return np.array(PRODUCT_TYPES)[draw_rows(rng, PRODUCT_PREFERENCE[segment])]


def death_dates(block: Block) -> np.ndarray:
    """Per customer, the date they died as the insured of a death claim, else FAR."""
    pol = block.policies
    death = np.full(len(block.customers["customer_id"]), FAR)
    died = (pol["end_type"] == "death_claim") & ~np.isnat(pol["end_date"])
    np.minimum.at(death, pol["insured_idx"][died], pol["end_date"][died])
    return death


def pairs_by_key(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All index pairs (i, j) with a[i] == b[j]: a vectorised many-to-many join."""
    order = np.argsort(b, kind="stable")
    lo = np.searchsorted(b[order], a, side="left")
    count = np.searchsorted(b[order], a, side="right") - lo
    ia = np.repeat(np.arange(len(a)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return ia, order[np.repeat(lo, count) + offset]


# --- campaigns -------------------------------------------------------------------------------


def campaigns_table(cfg: WorldConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """About three campaigns a year, in distinct quarters, between cfg.start and the horizon."""
    start, horizon = np.datetime64(cfg.start, "D"), np.datetime64(cfg.horizon_end, "D")
    years = np.arange(cfg.start.year, cfg.horizon_end.year + 1)
    quarters = np.sort(rng.random((len(years), 4)).argsort(axis=1)[:, :CAMPAIGNS_PER_YEAR], axis=1)
    year = np.repeat(years, CAMPAIGNS_PER_YEAR)
    quarter = quarters.ravel()
    month0 = np.datetime64(f"{years[0]}-01", "M")
    begin = (month0 + (year - years[0]) * 12 + quarter * 3).astype("datetime64[D]")
    begin = begin + rng.integers(0, 61, len(begin)) * DAY
    end = np.minimum(begin + rng.integers(30, 61, len(begin)) * DAY, horizon)
    ctype = np.array(CAMPAIGN_TYPES)[rng.choice(len(CAMPAIGN_TYPES), len(begin), p=TYPE_SHARE)]
    channel = np.array(CAMPAIGN_CHANNELS)[
        rng.choice(len(CAMPAIGN_CHANNELS), len(begin), p=CHANNEL_SHARE)
    ]
    # The book starts with the world: in its first year there is nobody to win back yet.
    ctype = np.where((ctype == "winback") & (begin < start + WINBACK_AFTER), "cross_sell", ctype)
    product = np.array(PRODUCT_TYPES)[rng.integers(0, len(PRODUCT_TYPES), len(begin))]
    product = np.where(ctype == "retention", "", product)
    # Drop campaigns before the world starts or too close to the horizon to run their course.
    keep = (begin >= start) & (begin <= horizon - 30 * DAY)
    year, quarter, begin, end = year[keep], quarter[keep], begin[keep], end[keep]
    ctype, channel, product = ctype[keep], channel[keep], product[keep]
    names = np.array(
        [_name(*row) for row in zip(year, quarter, product, ctype, channel, strict=True)],
        dtype=str,
    )
    n = len(begin)
    return {
        "campaign_id": np.char.add("CMP", np.char.zfill(np.arange(1, n + 1).astype(str), 4)),
        "campaign_name": names,
        "campaign_type": ctype,
        "channel": channel,
        "product_type": product,
        "start_date": begin,
        "end_date": end,
        "cost_per_contact_twd": np.array([COST_PER_CONTACT[c] for c in channel], dtype=np.int64),
    }


def _name(year: int, quarter: int, product: str, ctype: str, channel: str) -> str:
    """A readable name, e.g. "2021 Q2 critical illness cross-sell by telemarketing"."""
    words = (f"{year} Q{quarter + 1}", PRODUCT_WORDS.get(product, ""), TYPE_WORDS[ctype], "by")
    return " ".join(w for w in (*words, channel.replace("_", " ")) if w)


def _holders(owner: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Customers owning at least one policy in `mask`."""
    return np.bincount(owner[mask], minlength=n)[:n] > 0


def _eligible(block: Block, ctype: str, begin: np.datetime64) -> np.ndarray:
    """The customers a campaign of this type is for, as of its start, by the policies as they
    stand then: retention and cross-sell reach policyholders with a policy in force, win-back
    former policyholders whose last policy ended in the two years before (nothing in force
    now), acquisition prospects (never bought) already in contact; nobody dead."""
    cust, pol = block.customers, block.policies
    n = len(cust["customer_id"])
    owner, issue = pol["owner_idx"], pol["issue_date"]
    policy_end = np.where(np.isnat(pol["end_date"]), FAR, pol["end_date"])
    in_force = _holders(owner, (issue < begin) & (policy_end > begin), n)
    if ctype in ("cross_sell", "retention"):
        eligible = in_force
    elif ctype == "winback":
        since = add_months(np.array([begin]), -24)[0]
        ended = _holders(owner, (issue < begin) & (policy_end <= begin) & (policy_end >= since), n)
        eligible = ended & ~in_force
    else:  # acquisition
        held = _holders(owner, issue < begin, n)
        eligible = cust["is_prospect"].astype(bool) & (cust["created_date"] <= begin) & ~held
    return eligible & (death_dates(block) > begin)


def _touch(
    block: Block, campaigns: dict[str, np.ndarray], c: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Campaign row `c`'s touches: whom it selected, the control group, responses, conversions."""
    n = len(block.customers["customer_id"])
    ctype = campaigns["campaign_type"][c]
    begin, end = campaigns["start_date"][c], campaigns["end_date"][c]
    eligible = _eligible(block, ctype, begin)
    death = death_dates(block)
    target = np.flatnonzero(eligible & (rng.random(n) < rng.uniform(*TARGET_SHARE)))
    k, seg = len(target), segment_index(block.customers)[target]
    control = rng.random(k) < CONTROL_SHARE
    touch = begin + rng.integers(0, int((end - begin) // DAY) + 1, k) * DAY
    p = np.clip(BASE_RESPONSE[seg] + np.where(control, 0.0, TRUE_UPLIFT[seg]), 0.0, 1.0)
    response = touch + rng.integers(1, 21, k) * DAY
    responded = (rng.random(k) < p) & (response <= block.horizon) & (response < death[target])
    won = response + rng.integers(5, 31, k) * DAY
    converted = (
        responded
        & (ctype != "retention")
        & (rng.random(k) < CONVERSION_SHARE)
        & (won <= block.horizon)
        & (won < death[target])
    )
    return {
        "campaign_row": np.full(k, c, dtype=np.int64),
        "customer_idx": target.astype(np.int64),
        "touch_date": touch,
        "is_control": control.astype(np.int8),
        "responded": responded.astype(np.int8),
        "response_date": np.where(responded, response, NAT),
        "converted": converted.astype(np.int8),
        "issue_date": np.where(converted, won, NAT),
    }


def _conversions(
    block: Block,
    campaigns: dict[str, np.ndarray],
    part: dict[str, np.ndarray],
    first_row: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """The policies a campaign's converted touches ask the core to issue (rows count from
    `first_row`, the campaign's first row in the block's touches)."""
    rows = np.flatnonzero(part["converted"] == 1)
    by_id = part["campaign_row"][rows]
    who = part["customer_idx"][rows]
    product = campaigns["product_type"][by_id].astype("<U32")
    none = product == ""
    product[none] = draw_product_types(rng, segment_index(block.customers)[who[none]])
    return {
        "touch_row": (first_row + rows).astype(np.int64),
        "customer_idx": who,
        "issue_date": part["issue_date"][rows],
        "product_type": product,
        "channel": recode(campaigns["channel"][by_id], SALES_CHANNEL, "telemarketing"),
        "campaign_id": campaigns["campaign_id"][by_id].astype(str),
    }


def campaign_touches(
    block: Block,
    campaigns: dict[str, np.ndarray],
    rng: np.random.Generator,
    issue: Callable[[dict[str, np.ndarray]], None] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """This block's campaign touches (with `customer_idx`) and the conversions they made.

    Campaigns run in order of their start, each reaching the customers it is for as of its start
    date by the policies `block.policies` holds (with their end dates). `issue`, when given, is
    called with each campaign's conversions and adds the policies won, with their lives, to
    `block.policies`, so that a later campaign sees who an earlier one won (and whether they
    stayed). Conversions: touch_row, customer_idx, issue_date, product_type, channel,
    campaign_id.
    """
    cust = block.customers
    parts: list[dict[str, np.ndarray]] = [
        {
            "campaign_row": np.array([], np.int64), "customer_idx": np.array([], np.int64),
            "touch_date": np.array([], "datetime64[D]"), "is_control": np.array([], np.int8),
            "responded": np.array([], np.int8), "response_date": np.array([], "datetime64[D]"),
            "converted": np.array([], np.int8), "issue_date": np.array([], "datetime64[D]"),
        }
    ]  # fmt: skip
    converted: list[dict[str, np.ndarray]] = []
    rows = 0
    for c in np.argsort(campaigns["start_date"], kind="stable"):
        part = _touch(block, campaigns, int(c), rng)
        won = _conversions(block, campaigns, part, rows, rng)
        if len(won["touch_row"]):
            converted.append(won)
            if issue is not None:
                issue(won)
        parts.append(part)
        rows += len(part["customer_idx"])
    all_ = {col: np.concatenate([p[col] for p in parts]) for col in parts[0]}
    idx = all_["customer_idx"]
    touches = {
        "touch_id": new_ids("T", block.index, rows, 12),
        "campaign_id": campaigns["campaign_id"][all_["campaign_row"]].astype(str),
        "customer_id": cust["customer_id"][idx],
        "touch_date": all_["touch_date"],
        "is_control": all_["is_control"],
        "responded": all_["responded"],
        "response_date": all_["response_date"],
        "converted": all_["converted"],
        # Wide enough for the policy numbers the core writes in for conversions.
        "policy_number": np.full(rows, "", dtype="<U16"),
        "premium_won_twd": np.zeros(rows, dtype=np.int64),
        "customer_idx": idx,
    }
    empty = _conversions(block, campaigns, parts[0], 0, rng)
    conversions = {col: np.concatenate([w[col] for w in [empty, *converted]]) for col in empty}
    return touches, conversions


def campaign_uplift_truth(campaigns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The true response rates per (campaign, segment), before any horizon truncation."""
    n_seg = len(SEGMENTS)
    seg = np.tile(np.arange(n_seg), len(campaigns["campaign_id"]))
    control = BASE_RESPONSE[seg]
    treatment = np.clip(BASE_RESPONSE[seg] + TRUE_UPLIFT[seg], 0.0, 1.0)
    return {
        "campaign_id": np.repeat(campaigns["campaign_id"], n_seg),
        "segment": np.array(SEGMENTS)[seg],
        "true_control_response_rate": control,
        "true_treatment_response_rate": treatment,
        "true_uplift": treatment - control,
    }
