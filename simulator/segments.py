"""The insurer's true customer segments: who people are, what they buy and how they respond.

A customer's segment is latent (never exported) and only partly visible through demographics,
behaviour and channel use, which is what a segmentation model has to recover.
"""

from __future__ import annotations

import numpy as np

SEGMENTS = (
    "young_starters",  # 20-32, single, low or middle income: term, internet, price sensitive
    "young_families",  # 28-45, married, middle income: term, critical illness, endowment
    "affluent_planners",  # 35-60, high income: whole life, investment-linked, agent
    "mass_middle",  # 33-55, low or middle income: whole life, critical illness, bank
    "pre_retirees",  # 50-70: annuity, endowment
)

# Product-type preferences by segment, in contract.PRODUCT_TYPES order:
# term, whole_life, endowment, critical_illness, annuity, investment_linked
PRODUCT_PREFERENCE = np.array(
    [
        [0.45, 0.10, 0.10, 0.20, 0.02, 0.13],
        [0.30, 0.15, 0.20, 0.30, 0.02, 0.03],
        [0.05, 0.35, 0.15, 0.10, 0.10, 0.25],
        [0.15, 0.35, 0.15, 0.30, 0.03, 0.02],
        [0.05, 0.15, 0.30, 0.10, 0.35, 0.05],
    ]
)
# Campaign response without contact (control) and the true uplift from contact, by segment.
BASE_RESPONSE = np.array([0.02, 0.03, 0.04, 0.03, 0.02])
TRUE_UPLIFT = np.array([0.01, 0.05, 0.03, 0.02, -0.005])  # pre-retirees dislike being called
# Lapse hazard multiplier by segment (beyond what demographics and behaviour explain).
LAPSE_MULTIPLIER = np.array([1.5, 1.0, 0.7, 1.1, 0.8])


def assign_segments(
    rng: np.random.Generator, age: np.ndarray, income_band: np.ndarray, married: np.ndarray
) -> np.ndarray:
    """Segment index per customer from age, income and marriage, with some noise."""
    high = income_band == "high"
    segment = np.select(
        [
            age >= 52,
            high & (age >= 33),
            married & (age < 46),
            age < 33,
        ],
        [4, 2, 1, 0],
        3,
    )
    # A tenth of people do not fit their demographic mould.
    reshuffle = rng.random(len(age)) < 0.10
    segment[reshuffle] = rng.integers(0, len(SEGMENTS), int(reshuffle.sum()))
    return segment
