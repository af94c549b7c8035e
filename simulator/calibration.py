"""Calibrate the world's free parameters to the paper's figures before the world is written: the
base lapse hazard (25-month persistency) on a sample block, then the commission scale and
administration cost (the value held by the top and bottom tenths of customers) on the world's
own first blocks.

The value parameters are accounting only: no simulated behaviour depends on them, so the blocks
simulated here are the blocks the world writes. Value deciles are heavy-tailed (a few hundred
large claims make the bottom tenth), so a sample of other customers would miss them by more
than the paper's tolerance; the world's own customers do not."""

from __future__ import annotations

import numpy as np

from simulator import value
from simulator.config import WorldConfig
from simulator.core import Parameters, simulate_block
from simulator.ids import add_months

SAMPLE_CUSTOMERS = 8_000
SAMPLE_BLOCK = 900  # a random stream no real block uses
VALUE_BLOCKS = 20  # the world's first blocks (200,000 customers) fit the value parameters


def persistency_25m(policies: dict, end: np.datetime64, start: np.datetime64) -> float:
    """Share of policies issued at least 25 months before `end` still in force 25 months on."""
    cohort = (policies["issue_date"] >= start) & (add_months(policies["issue_date"], 25) <= end)
    mark = add_months(policies["issue_date"][cohort], 25)
    ended = policies["end_date"][cohort]
    return float(np.mean(np.isnat(ended) | (ended > mark)))


def _world_value_parts(cfg, agents, campaigns, base: float, end: np.datetime64) -> dict:
    """Value components of the customers of the world's first blocks, as of `end`."""
    blocks = min(cfg.blocks, VALUE_BLOCKS)
    parts = [
        value.value_components(
            simulate_block(index, cfg, agents, campaigns, Parameters(base, 1.0, 0.0)), end
        )
        for index in range(blocks)
    ]
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def calibrate(cfg: WorldConfig, agents: dict, campaigns: dict) -> tuple[Parameters, dict]:
    n = min(cfg.customers, SAMPLE_CUSTOMERS)
    end, start = np.datetime64(cfg.end, "D"), np.datetime64(cfg.start, "D")

    def run(base: float):
        return simulate_block(
            SAMPLE_BLOCK, cfg, agents, campaigns, Parameters(base, 1.0, 0.0), first=0, n=n
        )

    lo, hi = np.log(0.0005), np.log(0.08)
    for _ in range(9):  # persistency falls as the hazard rises: bisect on its logarithm
        mid = (lo + hi) / 2
        if (
            persistency_25m(run(float(np.exp(mid))).block.policies, end, start)
            > cfg.persistency_25m
        ):
            lo = mid
        else:
            hi = mid
    base = float(np.exp((lo + hi) / 2))
    sample = run(base)
    parts = _world_value_parts(cfg, agents, campaigns, base, end)
    scale, admin = value.calibrate_value(
        parts, cfg.top_decile_value_share, cfg.bottom_decile_value_share
    )
    achieved = value.decile_shares(
        value.customer_value({k: v[parts["in_force"]] for k, v in parts.items()}, scale, admin)
    )
    report = {
        "base_lapse_hazard": base,
        "commission_scale": scale,
        "admin_cost_per_policy_year_twd": admin,
        "sample_persistency_25m": persistency_25m(sample.block.policies, end, start),
        "value_calibration_customers": int(parts["in_force"].sum()),
        "top_decile_value_share": float(achieved[0]),
        "bottom_decile_value_share": float(achieved[-1]),
    }
    return Parameters(base, scale, admin), report
