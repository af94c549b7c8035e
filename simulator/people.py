"""The people: the agency force (global) and each block's customers and prospects."""

from __future__ import annotations

import numpy as np

from simulator import segments as seg
from simulator.config import WorldConfig
from simulator.contract import ACQUISITION_SOURCES, INCOME_BANDS, MARITAL_STATUSES
from simulator.ids import DAY, NAT, add_months, make_ids, random_dates
from simulator.national_id import make_national_ids

PREFERRED_CHANNELS = np.array(
    [
        ["web", "app"],
        ["app", "call_centre"],
        ["agent_visit", "agent_visit"],
        ["bank_branch", "call_centre"],
        ["agent_visit", "call_centre"],
    ]
)  # the channels each segment prefers to use

CITY_DISTRICTS = {
    "Taipei": [("100", "Zhongzheng"), ("104", "Zhongshan"), ("106", "Da'an"), ("110", "Xinyi"), ("114", "Neihu")],
    "New Taipei": [("220", "Banqiao"), ("231", "Xindian"), ("234", "Yonghe"), ("241", "Sanchong"), ("251", "Tamsui")],
    "Taoyuan": [("320", "Zhongli"), ("324", "Pingzhen"), ("330", "Taoyuan"), ("334", "Bade")],
    "Taichung": [("400", "Central"), ("403", "West"), ("407", "Xitun"), ("412", "Dali")],
    "Tainan": [("700", "West Central"), ("701", "East"), ("704", "North"), ("710", "Yongkang")],
    "Kaohsiung": [("800", "Xinxing"), ("802", "Lingya"), ("807", "Sanmin"), ("813", "Zuoying")],
}  # fmt: skip
CITY_POSTCODES = {
    city: [code for code, _ in districts] for city, districts in CITY_DISTRICTS.items()
}
CITIES = np.array(list(CITY_DISTRICTS))
CITY_SHARE = np.array([0.22, 0.24, 0.12, 0.16, 0.11, 0.15])
STREETS = np.array(
    [
        "Zhongshan Rd.",
        "Minsheng Rd.",
        "Heping E. Rd.",
        "Zhongzheng Rd.",
        "Jianguo Rd.",
        "Wenhua Rd.",
    ]
)
SURNAMES = np.array(list("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"))
GIVEN = np.array(list("志明淑芬家豪怡君俊宏雅婷建國美玲宗翰佳蓉偉慧"))
MONTHLY_INCOME_MEDIAN = np.array([32_000, 65_000, 160_000])  # TWD, by income band
INCOME_SHARE = [0.47, 0.37, 0.16]  # the paper's split of households: low, middle, high

AGENT_RANKS = np.array(["agent", "unit_manager", "branch_manager"])


def _names(rng: np.random.Generator, n: int, given: int) -> np.ndarray:
    names = SURNAMES[rng.integers(0, len(SURNAMES), n)]
    for _ in range(given):
        names = np.char.add(names, GIVEN[rng.integers(0, len(GIVEN), n)])
    return names


def make_agents(rng: np.random.Generator, cfg: WorldConfig) -> dict[str, np.ndarray]:
    """The agency force over the whole simulated period, hires spread over ten years before."""
    n = max(12, cfg.customers // 40)
    start, horizon = np.datetime64(cfg.start, "D"), np.datetime64(cfg.horizon_end, "D")
    hire = np.sort(
        random_dates(rng, np.full(n, start - 3650 * DAY), np.full(n, horizon - 30 * DAY))
    )
    satisfaction = rng.beta(4, 3, n)
    rank = AGENT_RANKS[rng.choice(3, size=n, p=[0.82, 0.14, 0.04])]
    # The paper's figure: two thirds of new agents leave within 13 months. Less satisfied agents
    # and new recruits without a rank leave first; the mean drop-out is the configured target.
    propensity = 1.6 - 1.2 * satisfaction - 0.4 * (rank != "agent")
    drop_prob = np.clip(propensity / propensity.mean() * cfg.agent_dropout_13m, 0.02, 0.98)
    early = rng.random(n) < drop_prob
    tenure = np.where(early, rng.integers(1, 13, n), 13 + rng.exponential(90, n).astype(int))
    leave = add_months(hire, tenure) - rng.integers(0, 20, n) * DAY
    return {
        "agent_id": make_ids("A", 0, n, 6, start=1),
        "agent_name": _names(rng, n, 2),
        "hire_date": hire,
        "termination_date": np.where(leave <= horizon, leave, NAT),
        "branch": CITIES[rng.integers(0, len(CITIES), n)],
        "channel": np.where(rng.random(n) < 0.85, "agent", "bancassurance"),
        "rank": rank,
        "satisfaction": satisfaction,
    }


def make_customers(
    rng: np.random.Generator, cfg: WorldConfig, block: int, first: int, n: int
) -> dict:
    """Customers `first` .. `first + n - 1` of the world: who they are and what drives them."""
    start, horizon = np.datetime64(cfg.start, "D"), np.datetime64(cfg.horizon_end, "D")
    created = random_dates(rng, np.full(n, start - 60 * DAY), np.full(n, horizon - 20 * DAY))
    age = np.clip(rng.normal(42, 12, n), 20, 75).astype(int)
    birth = random_dates(rng, created - (age + 1) * 365 * DAY, created - age * 365 * DAY)
    is_male = rng.random(n) < 0.5
    married_p = np.clip((age - 22) / 20, 0.05, 0.75)
    marital = np.where(rng.random(n) < married_p, 1, 0)
    older = age > 55
    marital = np.where(older & (rng.random(n) < 0.15), 3, marital)
    marital = np.where((marital == 1) & (rng.random(n) < 0.10), 2, marital)
    income = rng.choice(3, size=n, p=INCOME_SHARE)
    income_band = np.array(INCOME_BANDS)[income]
    segment = seg.assign_segments(rng, age, income_band, marital == 1)

    city_idx = rng.choice(len(CITIES), size=n, p=CITY_SHARE)
    district_idx = rng.integers(0, 5, n)
    postal, district = np.empty(n, dtype="U3"), np.empty(n, dtype="U20")
    for c, city in enumerate(CITIES):  # a handful of cities: loop over them, not over people
        here = city_idx == c
        options = CITY_DISTRICTS[city]
        pick = district_idx[here] % len(options)
        postal[here] = np.array([o[0] for o in options])[pick]
        district[here] = np.array([o[1] for o in options])[pick]
    address = np.char.add(
        np.char.add("No. ", rng.integers(1, 300, n).astype(str)),
        np.char.add(", ", STREETS[rng.integers(0, len(STREETS), n)]),
    )

    # Where people come from depends on who they are: banks reach the mass market, agents the
    # affluent, promotions the young.
    acquisition_weights = np.array(
        [[0.20, 0.30, 0.35, 0.10, 0.05],  # young_starters
         [0.30, 0.20, 0.15, 0.20, 0.15],  # young_families
         [0.40, 0.15, 0.05, 0.20, 0.20],  # affluent_planners
         [0.20, 0.20, 0.20, 0.15, 0.25],  # mass_middle
         [0.30, 0.20, 0.10, 0.05, 0.35]]  # pre_retirees
    )  # fmt: skip
    cumulative = acquisition_weights[segment].cumsum(axis=1)
    acquisition = (rng.random(n)[:, None] > cumulative).sum(axis=1)
    satisfaction = np.clip(rng.beta(5, 2, n) - 0.15 * (acquisition == 2), 0, 1)

    ids = np.char.add("C", np.char.zfill((first + np.arange(n) + 1).astype(str), 8))
    has_phone = rng.random(n) < 0.95
    has_email = rng.random(n) < 0.85
    return {
        "customer_id": ids,
        "national_id": make_national_ids(cfg.seed, first + np.arange(n), is_male),
        "customer_name": _names(rng, n, 2),
        "birth_date": birth,
        "gender": np.where(is_male, "M", "F"),
        "marital_status": np.array(MARITAL_STATUSES)[marital],
        "occupation_class": (
            1 + rng.choice(6, size=n, p=[0.35, 0.25, 0.18, 0.12, 0.07, 0.03])
        ).astype(str),
        "income_band": income_band,
        "monthly_income_twd": MONTHLY_INCOME_MEDIAN[income] * np.exp(rng.normal(0, 0.35, n)),
        "city": CITIES[city_idx],
        "district": district,
        "postal_code": postal,
        "address_line": address,
        "phone": np.where(
            has_phone,
            np.char.add("09", np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)),
            "",
        ),
        "email": np.where(has_email, np.char.add(np.char.add("c", ids), "@example.com.tw"), ""),
        "acquisition_source": np.array(ACQUISITION_SOURCES)[acquisition],
        "acquisition_idx": acquisition,
        "created_date": created,
        "segment": np.array(seg.SEGMENTS)[segment],
        "segment_idx": segment,
        "satisfaction": satisfaction,
        "is_prospect": rng.random(n) < cfg.prospect_share,
        "preferred_channel": PREFERRED_CHANNELS[segment, rng.integers(0, 2, n)],
        "agent_id": np.full(n, "", dtype="U7"),
        "age_at_creation": age,
    }
