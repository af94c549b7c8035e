"""The insurer's product catalogue: what it sells, what it costs, what it pays agents."""

from __future__ import annotations

from datetime import date

import numpy as np

from simulator.contract import PRODUCT_TYPES

# code, name, type, allowed premium modes, term in years (0 = whole of life),
# premium per TWD assured per year at age 40 (savings products return their premiums with
# interest at maturity, so their premium is not sized by the sum assured), launch date
CATALOGUE = [
    ("TRM10", "10-year term life", "term", "annual|semi_annual|quarterly|monthly", 10, 0.010, date(2010, 1, 1)),
    ("TRM20", "20-year term life", "term", "annual|monthly", 20, 0.011, date(2015, 7, 1)),
    ("WLF01", "Whole life", "whole_life", "annual|semi_annual|quarterly|monthly", 0, 0.022, date(2005, 1, 1)),
    ("WLF02", "Whole life with dividends", "whole_life", "annual|monthly", 0, 0.025, date(2019, 3, 1)),
    ("END06", "6-year savings endowment", "endowment", "annual", 6, 0.040, date(2012, 1, 1)),
    ("END20", "20-year endowment", "endowment", "annual|semi_annual|monthly", 20, 0.030, date(2008, 1, 1)),
    ("CIL01", "Critical illness with accelerated benefit", "critical_illness", "annual|monthly", 0, 0.018, date(2011, 1, 1)),
    ("CIL02", "Cancer and critical illness", "critical_illness", "annual|quarterly|monthly", 20, 0.016, date(2020, 9, 1)),
    ("ANN01", "Deferred annuity", "annuity", "annual|monthly", 15, 0.035, date(2009, 1, 1)),
    ("ANN02", "Immediate annuity", "annuity", "annual", 10, 0.040, date(2016, 1, 1)),
    ("ILP01", "Investment-linked life", "investment_linked", "annual|monthly", 0, 0.030, date(2013, 1, 1)),
    ("ILP02", "Investment-linked with guaranteed minimum", "investment_linked", "annual|quarterly|monthly", 0, 0.032, date(2021, 5, 1)),
]  # fmt: skip

CODES = np.array([row[0] for row in CATALOGUE])
NAMES = np.array([row[1] for row in CATALOGUE])
TYPES = np.array([row[2] for row in CATALOGUE])
MODES = np.array([row[3] for row in CATALOGUE])
TERM_YEARS = np.array([row[4] for row in CATALOGUE])
RATE = np.array([row[5] for row in CATALOGUE])
LAUNCH = np.array([np.datetime64(row[6], "D") for row in CATALOGUE])
TYPE_INDEX = np.array([PRODUCT_TYPES.index(t) for t in TYPES])

# Agents earn a share of the premium: most of the first year's, a little of later years'.
FIRST_YEAR_COMMISSION = {"term": 0.45, "whole_life": 0.60, "endowment": 0.30,
                         "critical_illness": 0.50, "annuity": 0.08, "investment_linked": 0.40}  # fmt: skip
RENEWAL_COMMISSION = {"term": 0.05, "whole_life": 0.06, "endowment": 0.03,
                      "critical_illness": 0.05, "annuity": 0.01, "investment_linked": 0.04}  # fmt: skip
# The investment component: the share of a savings product's premium that builds the
# policyholder's account value, repaid at maturity or surrender. It is not the insurer's revenue,
# and its repayment is not a claim (as IFRS 17 separates them), so customer value leaves both out.
INVESTMENT_COMPONENT = {"term": 0.0, "whole_life": 0.25, "endowment": 0.65,
                        "critical_illness": 0.0, "annuity": 0.70, "investment_linked": 0.65}  # fmt: skip
# Lapse propensity by product type: savings products held longer, investment-linked least.
TYPE_LAPSE = np.array([1.1, 0.8, 0.8, 0.9, 0.6, 1.4])


def commission_rates(scale: float) -> tuple[np.ndarray, np.ndarray]:
    """First-year and renewal commission rates per catalogue row, scaled by calibration."""
    first = np.array([FIRST_YEAR_COMMISSION[t] for t in TYPES]) * scale
    renewal = np.array([RENEWAL_COMMISSION[t] for t in TYPES]) * scale
    return np.round(np.clip(first, 0, 1), 4), np.round(np.clip(renewal, 0, 1), 4)


def pick_product(rng: np.random.Generator, type_index: np.ndarray, issue: np.ndarray) -> np.ndarray:
    """A catalogue row of the wanted type that was on sale on the issue date."""
    n = len(type_index)
    choice = np.full(n, -1)
    order = rng.permutation(len(CATALOGUE))  # random preference among a type's products
    for row in order:
        fits = (choice < 0) & (TYPE_INDEX[row] == type_index) & (LAUNCH[row] <= issue)
        take = fits & (rng.random(n) < 0.6)
        choice[take] = row
    for row in order:  # anyone left takes the first fitting product, else the oldest of the type
        fits = (choice < 0) & (TYPE_INDEX[row] == type_index) & (LAUNCH[row] <= issue)
        choice[fits] = row
    for row in np.argsort(LAUNCH):
        fits = (choice < 0) & (TYPE_INDEX[row] == type_index)
        choice[fits] = row
    return choice


def catalogue_export(commission_scale: float, servicing_cost: float) -> dict[str, np.ndarray]:
    first, renewal = commission_rates(commission_scale)
    return {
        "product_code": CODES,
        "product_name": NAMES,
        "product_type": TYPES,
        "premium_modes": MODES,
        "term_years": np.where(TERM_YEARS > 0, TERM_YEARS, -1),
        "first_year_commission_rate": first,
        "renewal_commission_rate": renewal,
        "servicing_cost_per_policy_year_twd": np.full(len(CODES), round(servicing_cost)),
        "investment_component_rate": np.array([INVESTMENT_COMPONENT[t] for t in TYPES]),
        "launch_date": LAUNCH,
    }
