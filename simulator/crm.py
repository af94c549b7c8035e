"""The insurer's CRM and quality systems: campaigns, the contact log, surveys and agent records.

Campaigns live in `crm_campaigns`, the contact-centre log in `crm_interactions`; this module adds
the satisfaction surveys and the agent surveys and training, and is the one the core imports.
Every function is vectorised and draws all its randomness from the generator it is given.
Tables are dicts of equal-length numpy arrays whose columns follow `contract.EXPORTS`; per-block
tables also carry an internal `customer_idx` (row in block.customers) that the core drops.
"""

from __future__ import annotations

import numpy as np

from simulator.block import Block
from simulator.config import WorldConfig
from simulator.contract import TRAINING_COURSES
from simulator.crm_campaigns import (
    FAR,
    campaign_touches,
    campaign_uplift_truth,
    campaigns_table,
    death_dates,
    draw_rows,
    new_ids,
    pairs_by_key,
    uniform_dates,
)
from simulator.crm_interactions import interactions
from simulator.ids import DAY, add_months

__all__ = [
    "agent_tables",
    "campaign_touches",
    "campaign_uplift_truth",
    "campaigns_table",
    "interactions",
    "satisfaction_surveys",
]

SURVEY_SHARE = 0.30  # policyholders surveyed in a year
SURVEY_CHANNELS = np.array(["email", "call_centre", "web", "app"])
COMPLAINT_MEMORY_DAYS = 90  # an unresolved complaint sours answers for this long
COMPLAINT_PENALTY = 0.30  # on the 0-1 latent satisfaction

AGENT_RESPONSE_SHARE = 0.85  # agents who answer the yearly survey
# Induction favours product and compliance courses; later training is spread more evenly.
INDUCTION_WEIGHTS = np.array([0.35, 0.35, 0.20, 0.05, 0.05])
LATER_WEIGHTS = np.array([0.25, 0.20, 0.20, 0.20, 0.15])
COURSE_HOURS = np.array([8, 4, 16, 6, 3])  # in TRAINING_COURSES order
TRAININGS_PER_YEAR = 2.0


def _year_starts(first: int, last: int) -> np.ndarray:
    return (np.datetime64(str(first), "Y") + np.arange(last - first + 1)).astype("datetime64[D]")


def satisfaction_surveys(block: Block, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """About a third of policyholders answer a survey each year while they hold a policy."""
    cust, pol, comp = block.customers, block.policies, block.complaints
    n = len(cust["customer_id"])
    start, horizon = block.start, block.horizon
    # A customer counts as a policyholder from their first issue to their last policy's end.
    first_issue = np.full(n, FAR)
    np.minimum.at(first_issue, pol["owner_idx"], pol["issue_date"])
    last_end = np.full(n, np.datetime64("1900-01-01", "D"))
    np.maximum.at(
        last_end, pol["owner_idx"], np.where(np.isnat(pol["end_date"]), FAR, pol["end_date"])
    )
    holder_lo = np.maximum(first_issue, start)
    holder_hi = np.minimum(np.minimum(last_end, death_dates(block) - DAY), horizon)

    year_lo = _year_starts(start.astype(object).year, horizon.astype(object).year)
    year_hi = (year_lo.astype("datetime64[Y]") + 1).astype("datetime64[D]") - DAY
    lo = np.maximum(holder_lo[:, None], year_lo[None, :])
    hi = np.minimum(holder_hi[:, None], year_hi[None, :])
    chosen = (lo <= hi) & (rng.random(lo.shape) < SURVEY_SHARE)
    who, year = np.nonzero(chosen)
    date = uniform_dates(rng, lo[who, year], hi[who, year])
    order = np.lexsort((who, date))
    who, date = who[order], date[order]

    # Answers sour for a while after a complaint that is still open on the survey date.
    si, ci = pairs_by_key(who, comp["customer_idx"])
    since = (date[si] - comp["complaint_date"][ci]) // DAY
    still_open = ~(comp["resolved_date"][ci] <= date[si])  # NaT: never resolved
    soured = np.zeros(len(who), dtype=bool)
    soured[si[(since >= 0) & (since <= COMPLAINT_MEMORY_DAYS) & still_open]] = True

    shared = rng.normal(0.0, 0.08, len(who))
    latent = cust["satisfaction"][who] - COMPLAINT_PENALTY * soured + shared
    csat = np.clip(1 + np.floor(5 * (latent + rng.normal(0, 0.05, len(who)))), 1, 5)
    nps = np.clip(np.round(10 * latent + rng.normal(0, 0.8, len(who))), 0, 10)
    preferred = cust["preferred_channel"][who]
    usual = np.isin(preferred, SURVEY_CHANNELS) & (rng.random(len(who)) < 0.6)
    drawn = SURVEY_CHANNELS[rng.integers(0, len(SURVEY_CHANNELS), len(who))]
    return {
        "survey_id": new_ids("S", block.index, len(who), 12),
        "customer_id": cust["customer_id"][who],
        "survey_date": date,
        "channel": np.where(usual, preferred, drawn).astype(str),
        "csat": csat.astype(np.int64),
        "nps": nps.astype(np.int64),
        "customer_idx": who.astype(np.int64),
    }


def _agent_surveys(agents: dict, cfg: WorldConfig, rng: np.random.Generator) -> dict:
    """A yearly survey each November of the agents employed at the time."""
    n = len(agents["agent_id"])
    start, horizon = np.datetime64(cfg.start, "D"), np.datetime64(cfg.horizon_end, "D")
    leave = np.where(np.isnat(agents["termination_date"]), FAR, agents["termination_date"])
    november = _year_starts(cfg.start.year, cfg.horizon_end.year) + 304 * DAY
    date = november[None, :] + rng.integers(0, 21, (n, len(november))) * DAY
    hire = agents["hire_date"][:, None]
    employed = (hire <= date) & (leave[:, None] > date) & (date >= start) & (date <= horizon)
    who, year = np.nonzero(employed & (rng.random(date.shape) < AGENT_RESPONSE_SHARE))
    date = date[who, year]
    order = np.lexsort((who, date))
    who, date = who[order], date[order]
    latent = agents["satisfaction"][who]
    score = np.clip(np.round(1 + 4 * latent + rng.normal(0, 0.5, len(who))), 1, 5)
    # Those about to leave mostly say so; the rest stay more often the happier they are.
    leaving = leave[who] <= add_months(date, 6)
    stay = rng.random(len(who)) < np.where(leaving, 0.25, 0.55 + 0.4 * latent)
    return {
        "survey_id": new_ids("AS", 0, len(who), 10),
        "agent_id": agents["agent_id"][who],
        "survey_date": date,
        "satisfaction": score.astype(np.int64),
        "intends_to_stay": stay.astype(np.int8),
    }


def _agent_training(agents: dict, cfg: WorldConfig, rng: np.random.Generator) -> dict:
    """Induction courses in an agent's first three months, then about two courses a year."""
    n = len(agents["agent_id"])
    start, horizon = np.datetime64(cfg.start, "D"), np.datetime64(cfg.horizon_end, "D")
    hire = agents["hire_date"]
    leave = np.where(np.isnat(agents["termination_date"]), FAR, agents["termination_date"])
    end = np.minimum(leave - DAY, horizon)
    induction_end = np.minimum(add_months(hire, 3) - DAY, end)

    # Induction: 1-3 distinct courses, weighted towards product and compliance.
    count = rng.integers(1, 4, n)
    keys = rng.random((n, len(TRAINING_COURSES))) ** (1 / INDUCTION_WEIGHTS)  # weighted shuffle
    ranked = np.argsort(-keys, axis=1)
    take = np.arange(len(TRAINING_COURSES))[None, :] < count[:, None]
    who_i, slot = np.nonzero(take)
    course_i = ranked[who_i, slot]
    date_i = uniform_dates(rng, hire[who_i], np.maximum(induction_end[who_i], hire[who_i]))

    # Later: Poisson in the years employed after induction.
    later_lo = induction_end + DAY
    years = np.maximum((end - later_lo) // DAY, 0) / 365.25
    who_l = np.repeat(np.arange(n), rng.poisson(TRAININGS_PER_YEAR * years))
    course_l = draw_rows(rng, np.broadcast_to(LATER_WEIGHTS, (len(who_l), len(LATER_WEIGHTS))))
    date_l = uniform_dates(rng, later_lo[who_l], end[who_l])

    who = np.concatenate([who_i, who_l])
    course = np.concatenate([course_i, course_l])
    date = np.concatenate([date_i, date_l])
    keep = (date >= start) & (date <= end[who])
    who, course, date = who[keep], course[keep], date[keep]
    order = np.lexsort((who, date))
    who, course, date = who[order], course[order], date[order]
    hours = COURSE_HOURS[course] * rng.choice([1, 1, 1, 2], len(who))  # some run a double session
    passed = rng.random(len(who)) < 0.82 + 0.15 * agents["satisfaction"][who]
    return {
        "training_id": new_ids("TR", 0, len(who), 10),
        "agent_id": agents["agent_id"][who],
        "course_code": np.array(TRAINING_COURSES)[course],
        "training_date": date,
        "hours": hours.astype(np.int64),
        "passed": passed.astype(np.int8),
    }


def agent_tables(
    agents: dict[str, np.ndarray], cfg: WorldConfig, rng: np.random.Generator
) -> dict[str, dict[str, np.ndarray]]:
    """The agent_surveys and agent_training exports, dated within [cfg.start, horizon]."""
    return {
        "agent_surveys": _agent_surveys(agents, cfg, rng),
        "agent_training": _agent_training(agents, cfg, rng),
    }
