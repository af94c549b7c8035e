"""Policies as they are sold: who buys what, through which channel, for how much."""

from __future__ import annotations

import numpy as np

from simulator import products as prod
from simulator import segments as seg
from simulator.config import WorldConfig
from simulator.contract import PAYMENT_METHODS, PREMIUM_MODES, SALES_CHANNELS
from simulator.ids import DAY, random_dates

CHANNELS = np.array(SALES_CHANNELS)
# Sales channel by acquisition source (referral, advertising, promotion, worksite, bank).
CHANNEL_BY_ACQUISITION = np.array(
    [[0.85, 0.05, 0.03, 0.04, 0.03],
     [0.45, 0.10, 0.15, 0.20, 0.10],
     [0.30, 0.10, 0.30, 0.15, 0.15],
     [0.80, 0.05, 0.05, 0.05, 0.05],
     [0.10, 0.85, 0.02, 0.02, 0.01]]
)  # fmt: skip
MODE_MONTHS = np.array([12, 6, 3, 1])
# Spread (log-normal sigma) of sum assured around its mean, before the income-band factor.
SUM_ASSURED_SPREAD = 0.15


def _draw_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of a matrix of probabilities."""
    return (rng.random(len(weights))[:, None] > weights.cumsum(axis=1)).sum(axis=1)


def _servicing_agents(rng, agents: dict, issue: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """An agent of the right kind in post on the issue date (bank staff for bancassurance)."""
    n = len(issue)
    hire, leave = agents["hire_date"], agents["termination_date"]
    chosen = np.full(n, -1)
    for attempt in range(8):  # draw, keep the draws that fit, redraw the rest
        pending = chosen < 0
        if not pending.any():
            break
        candidate = rng.integers(0, len(hire), int(pending.sum()))
        in_post = (hire[candidate] <= issue[pending]) & ~(leave[candidate] <= issue[pending])
        bank = agents["channel"][candidate] == "bancassurance"
        wants_bank = channel[pending] == "bancassurance"
        fits = in_post & ((bank == wants_bank) | (attempt >= 6))
        idx = np.flatnonzero(pending)[fits]
        chosen[idx] = candidate[fits]
    # Anyone still unmatched (few agents of the kind in post that day) gets an agent in post on
    # its own issue date, of the right kind if there is one, else the one hired last before it.
    rest = np.flatnonzero(chosen < 0)
    for start in range(0, len(rest), 4096):  # policies x agents, a block at a time
        block = rest[start : start + 4096]
        day = issue[block][:, None]
        hired = hire[None, :] <= day
        in_post = hired & ~(leave[None, :] <= day)
        kind = (agents["channel"] == "bancassurance")[None, :] == (
            channel[block] == "bancassurance"
        )[:, None]
        score = hired * 1 + in_post * 2 + (in_post & kind) * 4  # best fit first, then by hire
        rank = score * len(hire) + np.argsort(np.argsort(hire))[None, :]
        chosen[block] = np.argmax(rank, axis=1)
    return chosen


def sell(
    rng: np.random.Generator,
    cfg: WorldConfig,
    customers: dict,
    agents: dict,
    owner: np.ndarray,
    issue: np.ndarray,
    product_type: np.ndarray | None = None,
    channel: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """New policies for `owner` (customer rows) issued on `issue`: product, channel, amounts."""
    n = len(owner)
    segment = customers["segment_idx"][owner]
    if product_type is None:
        product_type = _draw_rows(rng, seg.PRODUCT_PREFERENCE[segment])
    row = prod.pick_product(rng, product_type, issue)
    acquisition = customers["acquisition_idx"][owner]
    if channel is None:
        channel = CHANNELS[_draw_rows(rng, CHANNEL_BY_ACQUISITION[acquisition])]
    agent_idx = _servicing_agents(rng, agents, issue, channel)

    income = customers["income_band"][owner]
    size = np.select([income == "high", income == "middle"], [1.2, 1.0], 0.9)
    sum_assured = np.exp(rng.normal(np.log(400_000), SUM_ASSURED_SPREAD, n)) * size
    sum_assured *= cfg.new_business_sum_assured_twd / sum_assured.mean() if n else 1.0
    sum_assured = np.maximum(np.round(sum_assured, -4), 50_000)
    age = ((issue - customers["birth_date"][owner]).astype(int) // 365).astype(int)
    premium = np.round(sum_assured * prod.RATE[row] * np.clip(1 + (age - 40) * 0.02, 0.7, 1.8))

    # Older and richer customers pay yearly by auto-debit; the young pay monthly by card.
    allowed = prod.MODES[row]
    mode = np.where(rng.random(n) < np.clip(0.25 + (age - 30) * 0.01, 0.1, 0.7), 0, 3)
    mode = np.where(rng.random(n) < 0.2, rng.integers(0, 4, n), mode)
    mode_name = np.array(PREMIUM_MODES)[mode]
    fits = np.char.find(allowed, mode_name) >= 0
    mode = np.where(fits, mode, 0)  # every product accepts annual premiums
    method_weights = np.where(
        (age < 35)[:, None], [[0.30, 0.45, 0.10, 0.15]], [[0.50, 0.20, 0.20, 0.10]]
    )
    method = _draw_rows(rng, method_weights)
    return {
        "owner_idx": owner,
        "insured_idx": owner.copy(),
        "agent_idx": agent_idx,
        "agent_id": agents["agent_id"][agent_idx],
        "channel": channel,
        "product_row": row,
        "product_code": prod.CODES[row],
        "product_type": prod.TYPES[row],
        "issue_date": issue,
        "sum_assured_twd": sum_assured.astype(np.int64),
        "annualised_premium_twd": premium.astype(np.int64),
        "premium_mode": np.array(PREMIUM_MODES)[mode],
        "mode_months": MODE_MONTHS[mode],
        "payment_method": np.array(PAYMENT_METHODS)[method],
        "campaign_id": np.full(n, "", dtype="U8"),
    }


def first_and_repeat_sales(rng, cfg: WorldConfig, customers: dict, agents: dict) -> dict:
    """Each buyer's first policy soon after first contact, then repeat purchases over time."""
    horizon = np.datetime64(cfg.horizon_end, "D")
    buyers = np.flatnonzero(~customers["is_prospect"])
    first_issue = customers["created_date"][buyers] + rng.integers(5, 60, len(buyers)) * DAY
    keep = first_issue <= horizon
    buyers, first_issue = buyers[keep], first_issue[keep]
    # Loyal customers (referred, satisfied) buy again more often.
    loyalty = (
        0.6
        + customers["satisfaction"][buyers]
        + 0.4 * (customers["acquisition_source"][buyers] == "referral")
    )
    repeats = rng.poisson(cfg.repeat_purchase_rate * loyalty / loyalty.mean())
    owner = np.concatenate([buyers, np.repeat(buyers, repeats)])
    repeat_from = np.repeat(first_issue, repeats)
    repeat_issue = random_dates(rng, repeat_from + 30 * DAY, np.full(len(repeat_from), horizon))
    issue = np.concatenate([first_issue, repeat_issue])
    ok = issue <= horizon
    sold = sell(rng, cfg, customers, agents, owner[ok], issue[ok])
    # A sixth of policies insure a family member rather than the owner.
    family = rng.random(len(sold["owner_idx"])) < 1 / 6
    sold["insured_idx"][family] = rng.integers(0, len(customers["customer_id"]), int(family.sum()))
    return sold


def concat(parts: list[dict]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def order_and_number(policies: dict, block: int) -> tuple[dict, np.ndarray]:
    """Policy numbers follow issue order within a block, like a core system's sequence; returns
    the policies in that order and the order (row i is the input's row order[i])."""
    order = np.lexsort((policies["owner_idx"], policies["issue_date"]))
    ordered = {key: values[order] for key, values in policies.items()}
    n = len(order)
    ordered["policy_number"] = np.char.add(
        "P", np.char.zfill((block * 10**7 + np.arange(1, n + 1)).astype(str), 10)
    )
    return ordered, order
