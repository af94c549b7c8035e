"""The records the back office keeps about policies: applications, status events, claims, and
the complaints that shape lapses."""

from __future__ import annotations

import numpy as np

from simulator.ids import DAY, NAT, add_months, make_ids, random_dates
from simulator.lifecycle import Outcome


def complaints(rng, customers: dict, policies: dict, horizon: np.datetime64) -> dict:
    """Complaints from policyholders: the dissatisfied complain more; a quarter stay unresolved."""
    owner = policies["owner_idx"]
    n_customers = len(customers["customer_id"])
    first_issue = np.full(n_customers, NAT)
    order = np.argsort(policies["issue_date"])[::-1]
    first_issue[owner[order]] = policies["issue_date"][order]
    holders = np.flatnonzero(~np.isnat(first_issue))
    years = (horizon - first_issue[holders]).astype(int) / 365.25
    rate = 0.06 * (1.6 - customers["satisfaction"][holders])
    count = rng.poisson(rate * years)
    who = np.repeat(holders, count)
    date = random_dates(rng, first_issue[who], np.full(len(who), horizon))
    resolved = rng.random(len(who)) < 0.55 + 0.35 * customers["satisfaction"][who]
    resolved_date = np.where(resolved, date + rng.integers(1, 46, len(who)) * DAY, NAT)
    resolved_date = np.where(resolved_date <= horizon, resolved_date, NAT)
    # the policy complained about: one of the customer's policies issued by then, if any
    by_owner = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[by_owner], who)
    ends = np.searchsorted(owner[by_owner], who, side="right")
    pick = starts + (rng.random(len(who)) * np.maximum(ends - starts, 1)).astype(int)
    policy_idx = np.where(ends > starts, by_owner[np.minimum(pick, len(by_owner) - 1)], -1)
    policy_idx = np.where(
        (policy_idx >= 0) & (policies["issue_date"][policy_idx] <= date), policy_idx, -1
    )
    channels = np.array(["call_centre", "agent_visit", "web", "email", "bank_branch"])
    return {
        "customer_idx": who,
        "policy_idx": policy_idx,
        "complaint_date": date,
        "resolved_date": resolved_date,
        "channel": channels[
            rng.choice(len(channels), size=len(who), p=[0.5, 0.2, 0.15, 0.1, 0.05])
        ],
    }


def policy_events(
    block: int, policies: dict, outcome: Outcome, paid_total: np.ndarray, rng
) -> dict:
    """The policy administration system's status events, one row per event."""
    issue, sa = policies["issue_date"], policies["sum_assured_twd"]
    parts = [("issued", np.arange(len(issue)), issue, np.full(len(issue), -1))]
    ended = ~np.isnat(policies["end_date"])
    for kind in ("free_look_cancellation", "death_claim", "surrendered", "matured", "lapsed"):
        rows = np.flatnonzero(ended & (policies["end_type"] == kind))
        amount = {
            "free_look_cancellation": paid_total[rows],  # the first premium is refunded
            "death_claim": sa[rows],
            "surrendered": np.round(paid_total[rows] * 0.7),
            # savings products return what was paid with interest; protection pays nothing
            "matured": np.where(
                np.isin(policies["product_type"][rows], ["endowment", "annuity"]),
                np.round(paid_total[rows] * 1.08),
                0,
            ),
            "lapsed": np.full(len(rows), -1),
        }[kind]
        parts.append((kind, rows, policies["end_date"][rows], amount))
    lapsed_then = np.flatnonzero(~np.isnat(outcome.reinstate_date))
    parts.append(
        ("lapsed", lapsed_then, outcome.lapse_date[lapsed_then], np.full(len(lapsed_then), -1))
    )
    parts.append(
        (
            "reinstated",
            lapsed_then,
            outcome.reinstate_date[lapsed_then],
            np.full(len(lapsed_then), -1),
        )
    )
    for kind, months in (
        ("paid_up", outcome.paid_up_month),
        ("partial_surrender", outcome.partial_surrender_month),
    ):
        rows = np.flatnonzero((months > 0) & (~ended | (outcome.end_month > months)))
        date = add_months(issue[rows], months[rows] - 1) + rng.integers(0, 28, len(rows)) * DAY
        amount = (
            np.round(paid_total[rows] * 0.2)
            if kind == "partial_surrender"
            else np.full(len(rows), -1)
        )
        parts.append((kind, rows, date, amount))
    kind = np.concatenate([np.full(len(p[1]), p[0], dtype="U24") for p in parts])
    rows = np.concatenate([p[1] for p in parts])
    date = np.concatenate([p[2] for p in parts])
    amount = np.concatenate([p[3] for p in parts]).astype(np.int64)
    order = np.lexsort((rows, date))
    return {
        "event_id": make_ids("E", block, len(order), 11, start=1),
        "policy_number": policies["policy_number"][rows[order]],
        "event_type": kind[order],
        "event_date": date[order],
        "amount_twd": amount[order],
        "policy_idx": rows[order],
    }


def claims(block: int, rng, policies: dict, horizon: np.datetime64) -> dict:
    """Claims: deaths from the lifecycle, plus illness, hospital and disability claims."""
    issue, sa = policies["issue_date"], policies["sum_assured_twd"]
    end = np.where(np.isnat(policies["end_date"]), horizon, policies["end_date"])
    years = np.maximum((end - issue).astype(int), 0) / 365.25
    death = np.flatnonzero(policies["end_type"] == "death_claim")
    parts = [
        (death, np.full(len(death), "death", dtype="U16"), policies["end_date"][death], sa[death])
    ]
    for kind, annual_rate, eligible, amount in (
        ("critical_illness", 0.002, policies["product_type"] == "critical_illness", sa),
        ("hospitalisation", 0.01, policies["product_type"] != "annuity", None),
        ("disability", 0.001, policies["product_type"] != "annuity", np.round(sa * 0.5)),
    ):
        count = rng.poisson(annual_rate * years * eligible)
        rows = np.repeat(np.arange(len(issue)), count)
        when = random_dates(rng, issue[rows], end[rows])
        value = rng.integers(5, 81, len(rows)) * 1000 if amount is None else amount[rows]
        parts.append((rows, np.full(len(rows), kind, dtype="U16"), when, value))
    rows = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([p[1] for p in parts])
    event = np.concatenate([p[2] for p in parts])
    claimed = np.concatenate([p[3] for p in parts]).astype(np.int64)
    n = len(rows)
    reported = event + rng.integers(1, 31, n) * DAY
    assessed = reported + rng.integers(3, 21, n) * DAY
    decided = assessed + rng.integers(1, 16, n) * DAY
    approved = rng.random(n) < np.where(kind == "hospitalisation", 0.85, 0.93)
    paid = np.where(approved, decided + rng.integers(1, 11, n) * DAY, NAT)
    paid_amount = np.where(
        kind == "hospitalisation", np.round(claimed * rng.uniform(0.7, 1.0, n)), claimed
    )
    keep = reported <= horizon
    order = np.lexsort((rows[keep], reported[keep]))

    def take(values):
        return values[keep][order]

    def known(dates):
        return np.where(take(dates) <= horizon, take(dates), NAT)

    return {
        "claim_id": make_ids("L", block, int(keep.sum()), 11, start=1),
        "policy_number": policies["policy_number"][take(rows)],
        "claim_type": take(kind),
        "reported_date": take(reported),
        "claimed_amount_twd": take(claimed),
        "assessed_date": known(assessed),
        "decision": np.where(
            np.isnat(known(decided)), "", np.where(take(approved), "approved", "denied")
        ),
        "decision_date": known(decided),
        "paid_date": known(paid),
        "paid_amount_twd": np.where(np.isnat(known(paid)), -1, take(paid_amount).astype(np.int64)),
        "policy_idx": take(rows),
    }


def applications(block: int, rng, customers: dict, policies: dict, horizon: np.datetime64) -> dict:
    """New-business applications: one per issued policy, plus the declined and postponed."""
    n = len(policies["issue_date"])
    applied = policies["issue_date"] - rng.integers(7, 41, n) * DAY
    decided = policies["issue_date"] - rng.integers(0, 6, n) * DAY
    decision = np.where(rng.random(n) < 0.9, "standard", "rated")
    extra = max(1, int(n * 0.08))
    owner = rng.integers(0, len(customers["customer_id"]), extra)
    extra_applied = random_dates(rng, customers["created_date"][owner], np.full(extra, horizon))
    extra_decided = extra_applied + rng.integers(5, 40, extra) * DAY
    source = rng.integers(0, n, extra) if n else np.zeros(extra, dtype=int)
    date = np.concatenate([applied, extra_applied])
    order = np.argsort(date, kind="stable")
    decided_all = np.concatenate([decided, extra_decided])
    return {
        "application_id": make_ids("N", block, n + extra, 11, start=1),
        "customer_id": np.concatenate(
            [customers["customer_id"][policies["owner_idx"]], customers["customer_id"][owner]]
        )[order],
        "agent_id": np.concatenate([policies["agent_id"], policies["agent_id"][source]])[order],
        "channel": np.concatenate([policies["channel"], policies["channel"][source]])[order],
        "product_code": np.concatenate(
            [policies["product_code"], policies["product_code"][source]]
        )[order],
        "application_date": date[order],
        "proposed_sum_assured_twd": np.concatenate(
            [policies["sum_assured_twd"], policies["sum_assured_twd"][source]]
        )[order],
        "underwriting_decision": np.concatenate(
            [decision, np.where(rng.random(extra) < 0.7, "declined", "postponed")]
        )[order],
        "decision_date": np.where(decided_all[order] <= horizon, decided_all[order], NAT),
        "policy_number": np.concatenate([policies["policy_number"], np.full(extra, "")])[order],
    }
