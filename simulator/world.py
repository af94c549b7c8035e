"""The insurer's world as column arrays: agents, customers, policies and their premium history.

Everything is vectorised with numpy and drawn from one seeded generator, so a configuration
always produces the same world. The lapse hazard is the simulator's causal core: it depends on
payment method, channel, acquisition source, the premium's burden on income, age and policy
duration, and the same hazard makes premiums late before a lapse, which is what a model can see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from simulator.config import WorldConfig
from simulator.national_id import make_national_ids

DAY = np.timedelta64(1, "D")

BRANCHES = np.array(["Taipei", "New Taipei", "Taoyuan", "Taichung", "Tainan", "Kaohsiung"])
CITY_POSTCODES = {
    "Taipei": ["100", "104", "106", "110", "114"],
    "New Taipei": ["220", "231", "234", "241", "251"],
    "Taoyuan": ["320", "324", "330", "334"],
    "Taichung": ["400", "403", "407", "412"],
    "Tainan": ["700", "701", "704", "710"],
    "Kaohsiung": ["800", "802", "807", "813"],
}
SURNAMES = np.array(list("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾"))
GIVEN = np.array(list("志明淑芬家豪怡君俊宏雅婷建國美玲宗翰佳蓉"))

INCOME_BANDS = np.array(["low", "middle", "high"])
INCOME_SHARE = [0.47, 0.37, 0.16]  # the paper's split of households by income
MONTHLY_INCOME_TWD = np.array([32_000, 65_000, 160_000])
ACQUISITION = np.array(["referral", "advertising", "promotion", "worksite", "bank"])
ACQUISITION_SHARE = [0.25, 0.25, 0.20, 0.15, 0.15]
ACQUISITION_HAZARD = np.array([0.6, 1.1, 1.6, 0.9, 1.2])  # referred stay, promotion buyers leave
MARITAL = np.array(["single", "married", "divorced", "widowed"])

CHANNELS = np.array(["agent", "bancassurance", "telemarketing", "internet", "direct_mail"])
CHANNEL_SHARE = [0.60, 0.20, 0.08, 0.07, 0.05]
CHANNEL_HAZARD = np.array([1.0, 1.1, 1.4, 1.2, 1.5])
PRODUCTS = np.array(["TRM10", "WLF01", "END20", "CIL01", "ANN01", "ILP01"])
PRODUCT_SHARE = [0.20, 0.25, 0.20, 0.15, 0.10, 0.10]
PRODUCT_RATE = np.array([0.004, 0.025, 0.060, 0.015, 0.080, 0.050])  # premium per TWD assured
PREMIUM_MODES = np.array(["annual", "semi_annual", "quarterly", "monthly"])
MODE_SHARE = [0.35, 0.10, 0.15, 0.40]
MODE_MONTHS = np.array([12, 6, 3, 1])
PAYMENT_METHODS = np.array(["auto_debit", "credit_card", "agent_collection", "bank_transfer"])
PAYMENT_SHARE = [0.45, 0.25, 0.20, 0.10]
PAYMENT_HAZARD = np.array([0.6, 0.9, 1.3, 1.5])  # auto-debit lapses least

BASE_MONTHLY_HAZARD = 0.0095
GRACE_MONTHS = 2  # an unpaid premium lapses the policy at the end of the grace period


@dataclass(frozen=True)
class World:
    agents: pa.Table
    customers: pa.Table
    policies: pa.Table
    premium_payments: pa.Table
    truth_policies: pa.Table


def months_of(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[M]")


def add_months(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Add whole months, keeping the day of month (all simulated days are 1-28)."""
    day = (dates - months_of(dates).astype("datetime64[D]")).astype(int)
    return (months_of(dates) + months).astype("datetime64[D]") + day * DAY


def _pick(rng: np.random.Generator, values: np.ndarray, share: list[float], n: int) -> np.ndarray:
    return values[rng.choice(len(values), size=n, p=share)]


def _dates_between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform dates in [lo, hi], moved to day 1-28 of their month."""
    span = np.maximum((hi - lo).astype(int), 0)
    raw = lo + (rng.random(len(lo)) * (span + 1)).astype(int) * DAY
    day = np.minimum((raw - months_of(raw).astype("datetime64[D]")).astype(int), 27)
    return months_of(raw).astype("datetime64[D]") + day * DAY


def make_agents(rng: np.random.Generator, cfg: WorldConfig) -> dict[str, np.ndarray]:
    n = max(8, cfg.customers // 50)
    start, end = np.datetime64(cfg.start), np.datetime64(cfg.end)
    hire = _dates_between(rng, np.full(n, start - 3650 * DAY), np.full(n, end - 30 * DAY))
    # Two thirds of new agents leave within their first 13 months; the rest stay for years.
    early = rng.random(n) < 0.66
    tenure = np.where(early, rng.integers(1, 14, n), 13 + rng.exponential(72, n).astype(int))
    leave = add_months(hire, tenure)
    return {
        "agent_id": np.char.add("A", np.char.zfill(np.arange(1, n + 1).astype(str), 5)),
        "agent_name": np.char.add(
            SURNAMES[rng.integers(0, len(SURNAMES), n)], GIVEN[rng.integers(0, len(GIVEN), n)]
        ),
        "hire_date": hire,
        "termination_date": np.where(leave <= end, leave, np.datetime64("NaT")),
        "branch": BRANCHES[rng.integers(0, len(BRANCHES), n)],
        "channel": np.where(rng.random(n) < 0.85, "agent", "bancassurance"),
        "rank": _pick(
            rng, np.array(["agent", "unit_manager", "branch_manager"]), [0.8, 0.15, 0.05], n
        ),
    }


def make_customers(rng: np.random.Generator, cfg: WorldConfig) -> dict[str, np.ndarray]:
    n = cfg.customers
    is_male = rng.random(n) < 0.5
    age_at_start = np.clip(rng.normal(40, 11, n), 20, 70).astype(int)
    birth = _dates_between(
        rng,
        np.datetime64(cfg.start) - (age_at_start + 1) * 365 * DAY,
        np.datetime64(cfg.start) - age_at_start * 365 * DAY,
    )
    city = BRANCHES[rng.integers(0, len(BRANCHES), n)]
    postcode = np.array([CITY_POSTCODES[c][i % len(CITY_POSTCODES[c])] for c, i in
                         zip(city, rng.integers(0, 5, n), strict=True)])  # fmt: skip
    income = rng.choice(3, size=n, p=INCOME_SHARE)
    acquisition = rng.choice(len(ACQUISITION), size=n, p=ACQUISITION_SHARE)
    ids = np.arange(1, n + 1).astype(str)
    return {
        "customer_id": np.char.add("C", np.char.zfill(ids, 8)),
        "national_id": make_national_ids(rng, is_male),
        "customer_name": np.char.add(
            np.char.add(
                SURNAMES[rng.integers(0, len(SURNAMES), n)], GIVEN[rng.integers(0, len(GIVEN), n)]
            ),
            GIVEN[rng.integers(0, len(GIVEN), n)],
        ),
        "birth_date": birth,
        "gender": np.where(is_male, "M", "F"),
        "marital_status": _pick(rng, MARITAL, [0.35, 0.55, 0.07, 0.03], n),
        "income_band": INCOME_BANDS[income],
        "city": city,
        "postal_code": postcode,
        "phone": np.char.add("09", np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)),
        "email": np.char.add(np.char.add("user", ids), "@example.com.tw"),
        "acquisition_source": ACQUISITION[acquisition],
        "_income_idx": income,
        "_acquisition_idx": acquisition,
    }


def make_policies(
    rng: np.random.Generator, cfg: WorldConfig, customers: dict, agents: dict
) -> dict[str, np.ndarray]:
    per_customer = 1 + rng.poisson(0.45, cfg.customers)
    owner = np.repeat(np.arange(cfg.customers), per_customer)
    n = len(owner)
    start, end = np.datetime64(cfg.start), np.datetime64(cfg.end)
    issue = _dates_between(rng, np.full(n, start), np.full(n, end - 60 * DAY))
    order = np.lexsort((owner, issue))  # policy numbers follow issue order, like a core system
    owner, issue = owner[order], issue[order]

    acquisition = customers["_acquisition_idx"][owner]
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_SHARE)
    bank_sold = (ACQUISITION[acquisition] == "bank") & (rng.random(n) < 0.7)
    channel = np.where(bank_sold, int(np.flatnonzero(CHANNELS == "bancassurance")[0]), channel)

    # The servicing agent is one already hired on the issue date.
    by_hire = np.argsort(agents["hire_date"], kind="stable")
    hired_before = np.searchsorted(agents["hire_date"][by_hire], issue, side="right")
    agent_idx = by_hire[(rng.random(n) * np.maximum(hired_before, 1)).astype(int)]

    product = rng.choice(len(PRODUCTS), size=n, p=PRODUCT_SHARE)
    sum_assured = np.round(np.exp(rng.normal(np.log(500_000), 0.7, n)), -4).clip(100_000)
    age = ((issue - customers["birth_date"][owner]).astype(int) // 365).astype(int)
    premium = np.round(sum_assured * PRODUCT_RATE[product] * (1 + (age - 40) * 0.02).clip(0.6))
    mode = rng.choice(len(PREMIUM_MODES), size=n, p=MODE_SHARE)
    method = rng.choice(len(PAYMENT_METHODS), size=n, p=PAYMENT_SHARE)

    income = MONTHLY_INCOME_TWD[customers["_income_idx"][owner]] * 12
    burden = premium / income  # premium-to-income ratio
    hazard = (
        BASE_MONTHLY_HAZARD
        * PAYMENT_HAZARD[method]
        * CHANNEL_HAZARD[channel]
        * ACQUISITION_HAZARD[acquisition]
        * np.exp(np.clip(4.0 * (burden - 0.08), -1.0, 2.0))
        * (1 + np.clip(35 - age, 0, None) * 0.03)
    )
    return {
        "policy_number": np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 9)),
        "owner_idx": owner,
        "agent_idx": agent_idx,
        "channel": CHANNELS[channel],
        "product_code": PRODUCTS[product],
        "issue_date": issue,
        "sum_assured_twd": sum_assured.astype(np.int64),
        "annualised_premium_twd": premium.astype(np.int64),
        "premium_mode": PREMIUM_MODES[mode],
        "mode_months": MODE_MONTHS[mode],
        "payment_method": PAYMENT_METHODS[method],
        "base_hazard": hazard,
    }


def duration_factor(months_in_force: np.ndarray) -> np.ndarray:
    """Lapses cluster in the first two policy years and fade after five."""
    return np.select([months_in_force <= 24, months_in_force <= 60], [1.6, 1.0], 0.7)


def simulate_lapses(rng: np.random.Generator, policies: dict, horizon_months: int) -> np.ndarray:
    """The policy month (1-based) in which each policy stops paying, or 0 if it never does."""
    n = len(policies["base_hazard"])
    stop_month = np.zeros(n, dtype=np.int64)
    for m in range(1, horizon_months + 1):
        alive = stop_month == 0
        hit = rng.random(n) < policies["base_hazard"] * duration_factor(np.full(n, m))
        stop_month[alive & hit] = m
    return stop_month


def true_lapse_probability(
    policies: dict, months_in_force: np.ndarray, window: int = 12
) -> np.ndarray:
    """Probability of stopping payment within the next `window` months, from the true hazard."""
    survive = np.ones(len(months_in_force))
    for k in range(1, window + 1):
        survive *= 1 - policies["base_hazard"] * duration_factor(months_in_force + k)
    return 1 - survive
