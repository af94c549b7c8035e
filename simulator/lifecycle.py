"""A policy's life after issue, month by month: paying, lapsing, surrendering, dying, maturing.

`simulate` walks every policy of a block forward one policy month at a time (vectorised across
policies) and records, for each, the month it stopped paying and the month and kind of any
terminating event. `schedule` then lays out the premium installments those outcomes imply.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from simulator import hazards as hz
from simulator import products as prod
from simulator.ids import DAY, NAT, add_months, months_of

GRACE_MONTHS = 2  # an unpaid premium lapses the policy at the end of the grace period
REINSTATE_SHARE = 0.08
SURRENDER_HAZARD = 0.0015  # per month, savings products after two years
PARTIAL_SURRENDER_HAZARD = 0.001
PAID_UP_HAZARD = 0.001  # whole life and endowment after five years
FREE_LOOK_SHARE = 0.015


@dataclass
class Outcome:
    stop_month: np.ndarray  # policy month in which premiums stop being paid (0 = never)
    end_month: np.ndarray  # policy month of a terminating event other than lapse (0 = none)
    end_kind: np.ndarray  # death_claim, surrendered, matured ('' = none)
    paid_up_month: np.ndarray  # 0 = never
    partial_surrender_month: np.ndarray  # 0 = never
    free_look: np.ndarray  # bool
    lapse_date: np.ndarray  # NaT unless lapsed by the horizon
    reinstate_date: np.ndarray  # NaT unless reinstated
    hazard: np.ndarray  # the static part of the lapse hazard, for the truth


def simulate(rng, customers, policies, agents, complaint_dates, base_hazard, horizon) -> Outcome:
    n = len(policies["issue_date"])
    issue = policies["issue_date"]
    insured = policies["insured_idx"]
    is_male = customers["gender"][insured] == "M"
    birth = customers["birth_date"][insured]
    agent_leave = agents["termination_date"][policies["agent_idx"]]
    type_name = policies["product_type"]
    term_months = prod.TERM_YEARS[policies["product_row"]] * 12
    savings = np.isin(type_name, ["whole_life", "endowment", "investment_linked"])
    static = hz.static_multiplier(customers, policies)

    months_left = (months_of(np.full(n, horizon)) - months_of(issue)).astype(int)
    free_look_p = FREE_LOOK_SHARE * np.where(policies["channel"] == "telemarketing", 2.0, 1.0)
    free_look = rng.random(n) < free_look_p
    stop = np.zeros(n, dtype=np.int64)
    end_month = np.zeros(n, dtype=np.int64)
    end_kind = np.full(n, "", dtype="U16")
    paid_up = np.zeros(n, dtype=np.int64)
    partial = np.zeros(n, dtype=np.int64)
    active = ~free_look
    for m in range(1, int(months_left.max(initial=0)) + 1):
        live = active & (m <= months_left) & (end_month == 0)
        if not live.any():
            continue
        month_start = add_months(issue, m - 1)
        age = (month_start - birth).astype(int) / 365.25
        u = rng.random((4, n))
        dies = live & (u[0] < hz.monthly_mortality(age, is_male))
        end_month[dies], end_kind[dies] = m, "death_claim"
        matures = live & ~dies & (term_months > 0) & (m == term_months)
        end_month[matures], end_kind[matures] = m, "matured"
        paying = live & ~dies & ~matures & (stop == 0) & (paid_up == 0)
        surrenders = paying & savings & (m > 24) & (u[1] < SURRENDER_HAZARD)
        end_month[surrenders], end_kind[surrenders] = m, "surrendered"
        paying &= ~surrenders
        hazard = (
            base_hazard
            * static
            * hz.dynamic_multiplier(m, month_start, policies, agent_leave, complaint_dates)
        )
        stops = paying & (u[2] < hazard)
        stop[stops] = m
        goes_paid_up = paying & ~stops & np.isin(type_name, ["whole_life", "endowment"]) & (m > 60)
        goes_paid_up &= u[3] < PAID_UP_HAZARD
        paid_up[goes_paid_up] = m
        takes_partial = (
            paying & (partial == 0) & np.isin(type_name, ["investment_linked", "whole_life"])
        )
        partial[takes_partial & (u[3] > 1 - PARTIAL_SURRENDER_HAZARD)] = m
        # a stopped policy lapses at the end of the grace period unless something ends it first
        k = policies["mode_months"]
        lapse_month = -(-np.maximum(stop, 1) // k) * k + GRACE_MONTHS
        active &= ~((stop > 0) & (m >= lapse_month))

    k = policies["mode_months"]
    first_unpaid = -(-np.maximum(stop, 1) // k) * k
    lapse_date = add_months(issue, first_unpaid + GRACE_MONTHS)
    lapses = (
        (stop > 0)
        & (lapse_date <= horizon)
        & ((end_month == 0) | (end_month > first_unpaid + GRACE_MONTHS))
    )
    end_month[lapses & (end_month > 0)] = 0  # the lapse came first
    end_kind[lapses] = ""
    reinstate_delay = rng.integers(1, 13, n)
    reinstates = lapses & (rng.random(n) < REINSTATE_SHARE)
    reinstate_date = add_months(lapse_date, reinstate_delay) + rng.integers(0, 20, n) * DAY
    reinstates &= reinstate_date <= horizon
    return Outcome(
        stop_month=stop,
        end_month=end_month,
        end_kind=end_kind,
        paid_up_month=paid_up,
        partial_surrender_month=partial,
        free_look=free_look,
        lapse_date=np.where(lapses, lapse_date, NAT),
        reinstate_date=np.where(reinstates, reinstate_date, NAT),
        hazard=base_hazard * static,
    )


def concat(parts: list[Outcome]) -> Outcome:
    """The outcomes of several groups of policies, one after another."""
    return Outcome(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Outcome)}
    )


def take(outcome: Outcome, rows: np.ndarray) -> Outcome:
    """The outcome of policies `rows`, in that order."""
    return Outcome(**{f.name: getattr(outcome, f.name)[rows] for f in fields(Outcome)})


def final_status(policies: dict, outcome: Outcome, rng) -> None:
    """Fill the policies' end date and kind as of the horizon (the Block contract)."""
    issue = policies["issue_date"]
    n = len(issue)
    end_date = np.full(n, NAT)
    end_type = np.full(n, "", dtype="U24")
    has_end = outcome.end_month > 0
    end_date[has_end] = (
        add_months(issue[has_end], outcome.end_month[has_end] - 1)
        + rng.integers(0, 28, int(has_end.sum())) * DAY
    )
    end_type[has_end] = outcome.end_kind[has_end]
    lapsed = ~np.isnat(outcome.lapse_date) & np.isnat(outcome.reinstate_date)
    end_date[lapsed], end_type[lapsed] = outcome.lapse_date[lapsed], "lapsed"
    fl = outcome.free_look
    end_date[fl] = issue[fl] + rng.integers(3, 15, int(fl.sum())) * DAY
    end_type[fl] = "free_look_cancellation"
    policies["end_date"], policies["end_type"] = end_date, end_type


def schedule(
    rng, policies: dict, outcome: Outcome, horizon: np.datetime64
) -> dict[str, np.ndarray]:
    """Every billed installment up to the horizon, with its payment date if it was paid."""
    issue, k = policies["issue_date"], policies["mode_months"]
    term_months = prod.TERM_YEARS[policies["product_row"]] * 12
    n = len(issue)
    big = np.iinfo(np.int64).max // 4
    months_left = (months_of(np.full(n, horizon)) - months_of(issue)).astype(int)
    day_of_month = (issue - months_of(issue).astype("datetime64[D]")).astype(int)
    horizon_day = int((horizon - months_of(horizon).astype("datetime64[D]")).astype(int))
    months_left -= (horizon_day < day_of_month).astype(int)  # the last due date must have come
    stop = np.where(outcome.stop_month > 0, outcome.stop_month, big)
    first_unpaid = np.where(stop < big, -(-stop // k) * k, big)
    reinstated = ~np.isnat(outcome.reinstate_date)
    # The last installment billed: before any ending event, paid-up date or maturity.
    last = months_left.copy()
    ends = outcome.end_month > 0
    last = np.where(ends, np.minimum(last, outcome.end_month - 1), last)
    last = np.where(outcome.paid_up_month > 0, np.minimum(last, outcome.paid_up_month - 1), last)
    last = np.where(term_months > 0, np.minimum(last, term_months - 1), last)
    last = np.where((stop < big) & ~reinstated, np.minimum(last, first_unpaid), last)
    last = np.where(outcome.free_look, 0, last)
    count = np.maximum(last, 0) // k + 1

    idx = np.repeat(np.arange(n), count)
    offset = (np.arange(len(idx)) - np.repeat(np.cumsum(count) - count, count)) * k[idx]
    due = add_months(issue[idx], offset)
    unpaid = (offset >= first_unpaid[idx]) & ~reinstated[idx]
    back_paid = (
        (offset >= first_unpaid[idx]) & reinstated[idx] & (due <= outcome.reinstate_date[idx])
    )
    near_stop = (first_unpaid[idx] - offset) <= 2 * k[idx]
    p_late = np.where(near_stop, 0.55, np.minimum(0.5, outcome.hazard[idx] * 20))
    delay = np.where(
        rng.random(len(idx)) < p_late,
        rng.integers(20, 56, len(idx)),
        rng.integers(-10, 6, len(idx)),
    )
    delay[offset == 0] = 0  # the first premium is paid on issue
    paid = np.where(back_paid, outcome.reinstate_date[idx], due + delay * DAY)
    paid = np.where(unpaid | (paid > horizon), NAT, paid)
    amount = np.round(policies["annualised_premium_twd"][idx] * k[idx] / 12).astype(np.int64)
    return {
        "policy_idx": idx,
        "offset_months": offset,
        "due_date": due,
        "amount_due_twd": amount,
        "paid_date": paid,
        "amount_paid_twd": np.where(np.isnat(paid), -1, amount),
        "payment_method": policies["payment_method"][idx],
    }
