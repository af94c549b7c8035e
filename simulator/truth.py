"""The ground truth of a block: what the warehouse and its models should find.

Never read by the pipeline; the tests compare the warehouse with it.
"""

from __future__ import annotations

import numpy as np

from simulator import hazards as hz
from simulator.core import Parameters, SimulatedBlock
from simulator.ids import add_months, months_of
from simulator.value import customer_value, value_components


def true_lapse_probability(
    sim: SimulatedBlock, as_of: np.datetime64, window: int = 12
) -> np.ndarray:
    """P(a policy in force and paying on `as_of` stops paying within `window` months), from the
    true hazard along the policy's realised path (agent departures and complaints included)."""
    pols, outcome = sim.block.policies, sim.outcome
    n = len(pols["issue_date"])
    month_now = (months_of(np.full(n, as_of)) - months_of(pols["issue_date"])).astype(int)
    in_force = (pols["issue_date"] <= as_of) & (
        np.isnat(pols["end_date"]) | (pols["end_date"] > as_of)
    )
    stopped = (outcome.stop_month > 0) & (outcome.stop_month <= month_now)
    survive = np.ones(n)
    complaint_dates = hz.complaint_dates_by_policy(
        sim.block.complaints, pols["owner_idx"], len(sim.block.customers["customer_id"])
    )
    leave = sim.agent_leave
    for k in range(1, window + 1):
        month = month_now + k
        start = add_months(pols["issue_date"], month - 1)
        dynamic = hz.duration_factor(month) * np.where(
            (pols["channel"] == "bancassurance") & (month <= 24), hz.BANCASSURANCE_EARLY, 1.0
        )
        dynamic = dynamic * np.where(leave < start, hz.ORPHAN, 1.0)
        dynamic = dynamic * np.where(
            complaint_dates["first_unresolved"] <= start, hz.UNRESOLVED_COMPLAINT, 1.0
        )
        survive *= 1 - np.clip(outcome.hazard * dynamic, 0, 1)
    probability = np.where(stopped, 1.0, 1 - survive)
    return np.where(in_force, probability, np.nan)


def block_truth(sim: SimulatedBlock, params: Parameters) -> dict[str, dict]:
    block = sim.block
    end = np.datetime64(block.cfg.end, "D")
    parts = value_components(sim, end)
    value = customer_value(parts, params.commission_scale, params.admin_cost_per_policy_year_twd)
    customers = block.customers
    pols = block.policies
    year_before = np.datetime64(add_months(np.array([end]), -12)[0], "D")
    return {
        "customers": {
            "customer_id": customers["customer_id"],
            "segment": customers["segment"],
            "latent_satisfaction": np.round(customers["satisfaction"], 4),
            "is_policyholder_at_end": parts["is_holder"],
            "premiums_paid_twd": np.round(parts["premiums"]).astype(np.int64),
            "claims_and_benefits_paid_twd": np.round(parts["claims"]).astype(np.int64),
            "commissions_twd": np.round(parts["commission_base"] * params.commission_scale).astype(
                np.int64
            ),
            "servicing_cost_twd": np.round(
                parts["policy_years"] * params.admin_cost_per_policy_year_twd
            ).astype(np.int64),
            "value_twd": np.round(value).astype(np.int64),
        },
        "policies": {
            "policy_number": pols["policy_number"],
            "monthly_lapse_hazard_at_issue": np.round(sim.outcome.hazard * 1.6, 6),
            "stop_paying_month": sim.outcome.stop_month,
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
