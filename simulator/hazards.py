"""Why policies lapse, and why people die: the monthly hazards of the simulated insurer.

The lapse hazard of a paying policy in policy month m is

    base × payment method × channel(m) × acquisition source × premium burden × age
         × segment × product type × satisfaction × duration(m) × orphan(m) × complaint(m)

where the time-varying parts are: bancassurance policies lapse early (first two years); lapses
cluster in the first two policy years and fade after five; a policy whose servicing agent has
left is an orphan; an unresolved complaint raises the hazard most, a recently resolved one a
little. `base` is calibrated so that 25-month persistency meets its target.
"""

from __future__ import annotations

import numpy as np

from simulator import products as prod
from simulator import segments as seg
from simulator.ids import NAT

PAYMENT_METHOD = {
    "auto_debit": 0.6,
    "credit_card": 0.9,
    "agent_collection": 1.3,
    "bank_transfer": 1.5,
}
CHANNEL = {
    "agent": 1.0,
    "bancassurance": 0.9,
    "telemarketing": 1.4,
    "internet": 1.2,
    "direct_mail": 1.5,
}
BANCASSURANCE_EARLY = 2.0  # bancassurance policies lapse early: x2 in the first 24 months
ACQUISITION = np.array(
    [0.6, 1.1, 1.6, 0.9, 1.2]
)  # referral, advertising, promotion, worksite, bank
ORPHAN = 1.4
UNRESOLVED_COMPLAINT = 2.5
RESOLVED_COMPLAINT = 1.2  # for six months after resolution


def static_multiplier(customers: dict, policies: dict) -> np.ndarray:
    """The parts of the lapse hazard fixed at issue."""
    owner = policies["owner_idx"]
    age = (policies["issue_date"] - customers["birth_date"][owner]).astype(int) / 365.25
    burden = policies["annualised_premium_twd"] / (12 * customers["monthly_income_twd"][owner])
    lookup = np.vectorize(PAYMENT_METHOD.get, otypes=[float])
    channel = np.vectorize(CHANNEL.get, otypes=[float])
    return (
        lookup(policies["payment_method"])
        * channel(policies["channel"])
        * ACQUISITION[customers["acquisition_idx"][owner]]
        * np.exp(np.clip(4.0 * (burden - 0.06), -1.0, 2.0))
        * (1 + np.clip(35 - age, 0, None) * 0.03)
        * seg.LAPSE_MULTIPLIER[customers["segment_idx"][owner]]
        * prod.TYPE_LAPSE[prod.TYPE_INDEX[policies["product_row"]]]
        * np.exp(1.2 * (0.65 - customers["satisfaction"][owner]))
    )


def duration_factor(month: np.ndarray | int) -> np.ndarray:
    return np.select([np.asarray(month) <= 24, np.asarray(month) <= 60], [1.6, 1.0], 0.7)


def dynamic_multiplier(
    month: int, month_start: np.ndarray, policies: dict, agent_leave: np.ndarray, complaints: dict
) -> np.ndarray:
    """The parts of the hazard that change over a policy's life, for policy month `month`."""
    factor = duration_factor(month) * np.ones(len(month_start))
    early_banca = (policies["channel"] == "bancassurance") & (month <= 24)
    factor = np.where(early_banca, factor * BANCASSURANCE_EARLY, factor)
    orphaned = agent_leave < month_start  # NaT compares False: agents still in post
    factor = np.where(orphaned, factor * ORPHAN, factor)
    unresolved = complaints["first_unresolved"] <= month_start
    recent = (complaints["last_resolved"] <= month_start) & (
        month_start - complaints["last_resolved"] < np.timedelta64(183, "D")
    )
    factor = np.where(unresolved, factor * UNRESOLVED_COMPLAINT, factor)
    return np.where(recent & ~unresolved, factor * RESOLVED_COMPLAINT, factor)


def monthly_mortality(age_years: np.ndarray, is_male: np.ndarray) -> np.ndarray:
    """Gompertz fit to Taiwan's life table (men: q40 ~ 0.0024, q60 ~ 0.014; women ~ 45% of men)."""
    annual = np.exp(-9.55 + 0.088 * age_years) * np.where(is_male, 1.0, 0.45)
    return np.clip(annual, 0, 0.5) / 12


def complaint_dates_by_policy(block_complaints: dict, owner: np.ndarray, n_customers: int) -> dict:
    """For each policy, its owner's first unresolved complaint and latest resolved one."""
    first_unresolved = np.full(n_customers, NAT)
    last_resolved = np.full(n_customers, NAT)
    if len(block_complaints.get("customer_idx", [])):
        cust = block_complaints["customer_idx"]
        date, resolved = block_complaints["complaint_date"], block_complaints["resolved_date"]
        open_ = np.isnat(resolved)
        order = np.argsort(date[open_])[::-1]  # later first, so the earliest write wins last
        first_unresolved[cust[open_][order]] = date[open_][order]
        order = np.argsort(resolved[~open_])
        last_resolved[cust[~open_][order]] = resolved[~open_][order]
    return {"first_unresolved": first_unresolved[owner], "last_resolved": last_resolved[owner]}
