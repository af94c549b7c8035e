"""The ground truth of a block: what the warehouse and its models should find.

Never read by the pipeline; the tests compare the warehouse with it.
"""

from __future__ import annotations

import numpy as np

from simulator import crm_campaigns
from simulator import hazards as hz
from simulator import products as prod
from simulator.core import Parameters, SimulatedBlock
from simulator.ids import DAY, NAT, add_months, months_of
from simulator.lifecycle import GRACE_MONTHS, PAID_UP_HAZARD, SURRENDER_HAZARD
from simulator.segments import BASE_RESPONSE, TRUE_UPLIFT
from simulator.value import customer_value, value_components


def true_lapse_probability(
    sim: SimulatedBlock, as_of: np.datetime64, window: int = 12
) -> np.ndarray:
    """P(a policy in force on `as_of` lapses within `window` months after it), the warehouse's
    lapse label, given what the insurer can see on `as_of` and the true hazard it cannot.

    A policy lapses when an installment stays unpaid to the end of its grace period. Whether a
    policyholder has already stopped paying is hidden until an installment falls due unpaid,
    and even then a late payer looks the same for up to 55 days: an overdue installment is
    weighed by Bayes' rule (the hazard of having stopped since the previous installment against
    the chance of paying this late). Stops from then on follow the true hazard along the
    policy's realised path (agent departures and complaints included), with death, maturity,
    surrender and going paid-up competing as in the simulation. NaN for a policy not in force."""
    pols, outcome = sim.block.policies, sim.outcome
    customers = sim.block.customers
    issue, mode = pols["issue_date"], pols["mode_months"]
    n = len(issue)
    window_end = add_months(np.array([as_of]), window)[0]
    month_now = (months_of(np.full(n, as_of)) - months_of(issue)).astype(int)
    lapsed_by_now = ~np.isnat(outcome.lapse_date) & (outcome.lapse_date <= as_of)
    lapsed_by_now &= np.isnat(outcome.reinstate_date) | (outcome.reinstate_date > as_of)
    in_force = (issue <= as_of) & (np.isnat(pols["end_date"]) | (pols["end_date"] > as_of))
    in_force &= ~lapsed_by_now
    paid_up = (outcome.paid_up_month > 0) & (outcome.paid_up_month <= month_now)

    complaints = hz.complaint_dates_by_policy(
        sim.block.complaints, pols["owner_idx"], len(customers["customer_id"])
    )
    insured = pols["insured_idx"]
    is_male = customers["gender"][insured] == "M"
    term_months = prod.TERM_YEARS[pols["product_row"]] * 12
    savings = np.isin(pols["product_type"], ["whole_life", "endowment", "investment_linked"])
    can_go_paid_up = np.isin(pols["product_type"], ["whole_life", "endowment"])

    def month_risks(month: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(P(no death, maturity or surrender), P(stop | paying), P(not going paid-up))."""
        start = add_months(issue, month - 1)
        age = (start - customers["birth_date"][insured]).astype(int) / 365.25
        lives = 1 - hz.monthly_mortality(age, is_male)
        lives *= np.where((term_months > 0) & (month == term_months), 0.0, 1.0)
        lives *= np.where(savings & (month > 24), 1 - SURRENDER_HAZARD, 1.0)
        dynamic = hz.dynamic_multiplier(month, start, pols, sim.agent_leave, complaints)
        stays = np.where(can_go_paid_up & (month > 60), 1 - PAID_UP_HAZARD, 1.0)
        return lives, np.clip(outcome.hazard * dynamic, 0, 1), stays

    def lapses_in_window(stop_month: np.ndarray) -> np.ndarray:
        lapse = add_months(issue, -(-np.maximum(stop_month, 1) // mode) * mode + GRACE_MONTHS)
        return (lapse > as_of) & (lapse <= window_end)

    def stops_then_lapses(first: np.ndarray, paying: np.ndarray) -> np.ndarray:
        """P(stopping in a month from `first` to the window's end, and lapsing in the window)."""
        total = np.zeros(n)
        for k in range(window + 13):
            month = first + k
            counted = month <= month_now + window
            lives, hazard, stays = month_risks(month)
            total += np.where(counted, paying * lives * hazard, 0.0) * lapses_in_window(month)
            paying = np.where(counted, paying * lives * (1 - hazard) * stays, paying)
        return total

    # the earliest installment due by `as_of` and unpaid on it, and how many days overdue
    pay = sim.payments
    unpaid = (pay["due_date"] <= as_of) & (np.isnat(pay["paid_date"]) | (pay["paid_date"] > as_of))
    overdue_offset = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(overdue_offset, pay["policy_idx"][unpaid], pay["offset_months"][unpaid])
    overdue = overdue_offset < np.iinfo(np.int64).max
    offset = np.where(overdue, overdue_offset, (month_now // mode) * mode)
    days_overdue = (np.full(n, as_of) - add_months(issue, offset)).astype(int)

    # prior: stopped in the months the overdue installment pays for
    paying, stopped = np.ones(n), np.zeros(n)
    for k in range(int(mode.max(initial=1))):
        month = offset - mode + 1 + k
        counted = (k < mode) & (month >= 1)
        lives, hazard, _ = month_risks(np.maximum(month, 1))
        stopped += np.where(counted, paying * lives * hazard, 0.0)
        paying = np.where(counted, paying * lives * (1 - hazard), paying)
    # likelihood of still being unpaid after `days_overdue` days without a stop
    p_late = np.minimum(0.5, outcome.hazard * 20)
    still_unpaid = p_late * np.clip((55 - days_overdue) / 36, 0, 1) + (1 - p_late) * np.clip(
        (5 - days_overdue) / 16, 0, 1
    )
    has_stopped = np.where(
        overdue, stopped / np.maximum(stopped + (1 - stopped) * still_unpaid, 1e-12), 0.0
    )
    carries_on = np.where(paid_up, 0.0, 1 - has_stopped)
    probability = has_stopped * lapses_in_window(offset) + stops_then_lapses(offset + 1, carries_on)
    return np.where(in_force, np.clip(probability, 0, 1), np.nan)


def true_purchase_probability(
    sim: SimulatedBlock, campaigns: dict, repeat_rate: float, as_of: np.datetime64, window: int = 12
) -> np.ndarray:
    """P(a customer buys a policy within `window` months after `as_of`), the cross-sell label.

    Two processes sell to existing customers. Repeat purchases: a buyer makes Poisson(rate ×
    loyalty / mean loyalty) of them, placed uniformly from 30 days after the first policy to
    the horizon, so the count in the window is Poisson with that rate times the window's share
    of the span. Campaigns: each touch in the window converts with its segment's response
    probability (with uplift unless in the control group) times the conversion share; the
    touches are the realised ones, as a lapse's agent departures are. Free-look cancellations
    (which the label does not count) and deaths are ignored."""
    customers, pols = sim.block.customers, sim.block.policies
    n = len(customers["customer_id"])
    horizon = np.datetime64(sim.block.cfg.horizon_end, "D")
    window_end = add_months(np.array([as_of]), window)[0]
    # the first policy of each buyer, among the policies not won by a campaign
    base = pols["_touch_row"] < 0
    first_issue = np.full(n, np.datetime64("2999-12-31", "D"))
    np.minimum.at(first_issue, pols["owner_idx"][base], pols["issue_date"][base])
    buyer = first_issue <= horizon
    loyalty = (
        0.6 + customers["satisfaction"] + 0.4 * (customers["acquisition_source"] == "referral")
    )
    expected = np.where(buyer, repeat_rate * loyalty / loyalty[buyer].mean(), 0.0)
    span_start = first_issue + 30 * DAY
    span = np.maximum((horizon - span_start).astype(int), 1)
    overlap = (np.minimum(window_end, horizon) - np.maximum(span_start, as_of)).astype(int)
    repeats = expected * np.clip(overlap, 0, None) / span

    touches = sim.touches
    type_of = dict(zip(campaigns["campaign_id"], campaigns["campaign_type"], strict=True))
    sells = np.array([type_of[c] != "retention" for c in touches["campaign_id"]], dtype=bool)
    # a conversion is issued 6 to 50 days after the touch: count the touch by its mid-point
    issued = touches["touch_date"] + 28 * DAY
    in_window = sells & (issued > as_of) & (issued <= window_end)
    who = touches["customer_idx"]
    segment = crm_campaigns.segment_index(customers)[who]
    respond = np.clip(
        BASE_RESPONSE[segment] + np.where(touches["is_control"] == 1, 0.0, TRUE_UPLIFT[segment]),
        0,
        1,
    )
    converts = np.where(in_window, respond * crm_campaigns.CONVERSION_SHARE, 0.0)
    no_campaign_sale = np.ones(n)
    np.multiply.at(no_campaign_sale, who, 1 - converts)
    return 1 - np.exp(-repeats) * no_campaign_sale


def paid_up_dates(sim: SimulatedBlock) -> np.ndarray:
    """When each policy was made paid-up (premiums stopped, cover kept); NaT if it never was."""
    events = sim.events
    dates = np.full(len(sim.block.policies["policy_number"]), NAT)
    paid_up = events["event_type"] == "paid_up"
    dates[events["policy_idx"][paid_up]] = events["event_date"][paid_up]
    return dates


def block_truth(sim: SimulatedBlock, params: Parameters, campaigns: dict) -> dict[str, dict]:
    block = sim.block
    end = np.datetime64(block.cfg.end, "D")
    parts = value_components(sim, end)
    value = customer_value(parts, params.commission_scale, params.admin_cost_per_policy_year_twd)
    customers = block.customers
    pols = block.policies
    year_before = np.datetime64(add_months(np.array([end]), -12)[0], "D")
    repeat_rate = block.cfg.repeat_purchase_rate
    return {
        "customers": {
            "customer_id": customers["customer_id"],
            "segment": customers["segment"],
            "latent_satisfaction": np.round(customers["satisfaction"], 4),
            "is_policyholder_at_end": parts["in_force"],
            "premiums_paid_twd": np.round(parts["premiums"]).astype(np.int64),
            "investment_component_twd": np.round(parts["investment_component"]).astype(np.int64),
            "claims_paid_twd": np.round(parts["claims"]).astype(np.int64),
            "commissions_twd": np.round(parts["commission_base"] * params.commission_scale).astype(
                np.int64
            ),
            "servicing_cost_twd": np.round(
                parts["policy_years"] * params.admin_cost_per_policy_year_twd
            ).astype(np.int64),
            "value_twd": np.round(value).astype(np.int64),
            "true_purchase_probability_12m": np.round(
                true_purchase_probability(sim, campaigns, repeat_rate, end), 6
            ),
            "true_purchase_probability_12m_year_before": np.round(
                true_purchase_probability(sim, campaigns, repeat_rate, year_before), 6
            ),
        },
        "policies": {
            "policy_number": pols["policy_number"],
            "monthly_lapse_hazard_at_issue": np.round(sim.outcome.hazard * 1.6, 6),
            "stop_paying_month": sim.outcome.stop_month,
            "paid_up_date": paid_up_dates(sim),
            "end_type": pols["end_type"],
            "end_date": pols["end_date"],
            "lapse_date": sim.outcome.lapse_date,
            "reinstate_date": sim.outcome.reinstate_date,
            "true_lapse_probability_12m": np.round(true_lapse_probability(sim, end), 6),
            "true_lapse_probability_12m_year_before": np.round(
                true_lapse_probability(sim, year_before), 6
            ),
        },
    }
