"""Customer value, and the calibration that makes the world meet the paper's figures.

Value (historical margin, TWD, as of a date) = premiums paid − their investment component −
claims paid − commissions − servicing cost. The investment component is the share of a savings
product's premium that builds the policyholder's account value; it is repaid at maturity or
surrender, so neither it nor those payouts are the insurer's revenue or cost. Commissions are
the products' first-year and renewal rates applied to premiums paid, and servicing cost is a
fixed administration cost per policy-year in force. Value deciles rank the customers who hold a
policy in force on the date.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from simulator import products as prod

FIRST_YEAR_MONTHS = 12


def value_components(sim, as_of: np.datetime64) -> dict[str, np.ndarray]:
    """Per customer of a simulated block: the parts of value known on `as_of`."""
    pols, pay, claims = sim.block.policies, sim.payments, sim.claims
    n = len(sim.block.customers["customer_id"])
    owner = pols["owner_idx"]
    # an installment paid early, before it fell due, reaches the books (and the billing export)
    # only when it falls due
    paid = ~np.isnat(pay["paid_date"]) & (pay["paid_date"] <= as_of) & (pay["due_date"] <= as_of)
    paid &= ~pols["end_type"][pay["policy_idx"]].__eq__("free_look_cancellation")
    amount = np.where(paid, pay["amount_due_twd"], 0).astype(float)
    first_year = pay["offset_months"] < FIRST_YEAR_MONTHS
    investment_rate = np.array([prod.INVESTMENT_COMPONENT[t] for t in prod.TYPES])
    investment = amount * investment_rate[pols["product_row"]][pay["policy_idx"]]
    first_rate = np.array([prod.FIRST_YEAR_COMMISSION[t] for t in prod.TYPES])[pols["product_row"]]
    renewal_rate = np.array([prod.RENEWAL_COMMISSION[t] for t in prod.TYPES])[pols["product_row"]]
    rate = np.where(first_year, first_rate[pay["policy_idx"]], renewal_rate[pay["policy_idx"]])
    cust_of_payment = owner[pay["policy_idx"]]
    claim_paid = ~np.isnat(claims["paid_date"]) & (claims["paid_date"] <= as_of)
    claim_amount = np.where(claim_paid, claims["paid_amount_twd"], 0).astype(float)
    end = np.where(np.isnat(pols["end_date"]), as_of, np.minimum(pols["end_date"], as_of))
    # a policy lapsed on `as_of` and reinstated only later was not in force in between
    outcome = sim.outcome
    lapsed = ~np.isnat(outcome.lapse_date) & (outcome.lapse_date <= as_of)
    lapsed &= np.isnat(outcome.reinstate_date) | (outcome.reinstate_date > as_of)
    end = np.where(lapsed, np.minimum(end, outcome.lapse_date), end)
    years = np.maximum((end - pols["issue_date"]).astype(int), 0) / 365.25
    years = np.where(pols["issue_date"] <= as_of, years, 0)
    in_force = (pols["issue_date"] <= as_of) & ~lapsed
    in_force &= np.isnat(pols["end_date"]) | (pols["end_date"] > as_of)
    return {
        "premiums": np.bincount(cust_of_payment, amount, n),
        "investment_component": np.bincount(cust_of_payment, investment, n),
        "commission_base": np.bincount(cust_of_payment, amount * rate, n),
        "claims": np.bincount(owner[claims["policy_idx"]], claim_amount, n),
        "policy_years": np.bincount(owner, years, n),
        "in_force": np.bincount(owner, in_force, n) > 0,
    }


def customer_value(parts: dict, commission_scale: float, admin_cost: float) -> np.ndarray:
    return (
        parts["premiums"]
        - parts["investment_component"]
        - parts["claims"]
        - commission_scale * parts["commission_base"]
        - admin_cost * parts["policy_years"]
    )


def decile_shares(values: np.ndarray) -> np.ndarray:
    """Each tenth's share of total value, highest tenth first."""
    ordered = np.sort(values)[::-1]
    tenths = np.array_split(ordered, 10)
    total = ordered.sum()
    return np.array([t.sum() / total for t in tenths])


def calibrate_value(parts: dict, top: float, bottom: float) -> tuple[float, float]:
    """Commission scale and admin cost that give the top and bottom tenths their shares."""
    holders = parts["in_force"]
    sub = {k: v[holders] for k, v in parts.items()}

    def miss(x):
        shares = decile_shares(customer_value(sub, x[0], x[1]))
        return [shares[0] - top, shares[-1] - bottom]

    fit = least_squares(
        miss, x0=[1.0, 1500.0], bounds=([0.3, 0.0], [3.0, 30_000.0]), x_scale=[1.0, 1000.0]
    )
    return float(fit.x[0]), float(fit.x[1])
