"""One block of the world, simulated from first contact to the horizon.

Order matters because causes come before effects: people, then their first and repeat
purchases, then complaints (which raise lapse hazards), then those policies' lives, then campaign
touches in order of their start (whose conversions are new policies, which then live), then every
policy's premiums, events and claims.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import crm_campaigns, lifecycle, people, policies, records
from simulator.block import Block
from simulator.config import WorldConfig
from simulator.hazards import complaint_dates_by_policy
from simulator.ids import block_rng


@dataclass(frozen=True)
class Parameters:
    """What calibration sets before any block is simulated."""

    base_lapse_hazard: float
    commission_scale: float
    admin_cost_per_policy_year_twd: float


@dataclass
class SimulatedBlock:
    block: Block
    outcome: lifecycle.Outcome
    payments: dict
    events: dict
    claims: dict
    applications: dict
    touches: dict
    agent_leave: np.ndarray  # each policy's servicing agent's termination date (NaT: in post)


def _convert(rng, cfg, block: Block, agents, conversions) -> dict:
    """Campaign conversions become policies (with `_touch_row`, their row in the touches)."""
    types = np.array(
        ["term", "whole_life", "endowment", "critical_illness", "annuity", "investment_linked"]
    )
    type_index = np.searchsorted(types, conversions["product_type"], sorter=np.argsort(types))
    type_index = np.argsort(types)[type_index]
    sold = policies.sell(
        rng, cfg, block.customers, agents, conversions["customer_idx"], conversions["issue_date"],
        product_type=type_index, channel=conversions["channel"],
    )  # fmt: skip
    sold["campaign_id"] = conversions["campaign_id"].astype("U8")
    sold["_touch_row"] = conversions["touch_row"]
    return sold


def _live(rng, block: Block, pols: dict, agents, params: Parameters) -> lifecycle.Outcome:
    """Simulate these policies' lives to the horizon and fill their end date and kind."""
    n = len(block.customers["customer_id"])
    complaint_dates = complaint_dates_by_policy(block.complaints, pols["owner_idx"], n)
    outcome = lifecycle.simulate(
        rng, block.customers, pols, agents, complaint_dates, params.base_lapse_hazard, block.horizon
    )
    lifecycle.final_status(pols, outcome, rng)
    return outcome


def simulate_block(
    index: int,
    cfg: WorldConfig,
    agents: dict,
    campaigns: dict,
    params: Parameters,
    first: int | None = None,
    n: int | None = None,
) -> SimulatedBlock:
    """Customers `first` .. `first + n - 1` (by default the index-th block of the world)."""
    first = index * cfg.block_size if first is None else first
    n = min(cfg.block_size, cfg.customers - first) if n is None else n
    block = Block(index=index, cfg=cfg)
    horizon = block.horizon
    block.customers = people.make_customers(
        block_rng(cfg.seed, index, "people"), cfg, index, first, n
    )
    base = policies.first_and_repeat_sales(
        block_rng(cfg.seed, index, "sales"), cfg, block.customers, agents
    )
    base["_touch_row"] = np.full(len(base["owner_idx"]), -1)
    block.complaints = records.complaints(
        block_rng(cfg.seed, index, "complaints"), block.customers, base, horizon
    )
    # A policy's life depends on its owner, its agent and its owner's complaints, never on other
    # policies: the policies sold without a campaign live first, so that each campaign, in order
    # of its start, reaches the customers it is for as they stand then; the policies it wins live
    # as they are issued, before the next campaign looks.
    rng = block_rng(cfg.seed, index, "lifecycle")
    outcomes = [_live(rng, block, base, agents, params)]
    block.policies = base
    conversion_rng = block_rng(cfg.seed, index, "conversions")
    won_rng = block_rng(cfg.seed, index, "wonlives")

    def issue(conversions: dict) -> None:
        won = _convert(conversion_rng, cfg, block, agents, conversions)
        outcomes.append(_live(won_rng, block, won, agents, params))
        block.policies = policies.concat([block.policies, won])

    touches, _ = crm_campaigns.campaign_touches(
        block, campaigns, block_rng(cfg.seed, index, "touches"), issue=issue
    )
    pols, order = policies.order_and_number(block.policies, index)
    outcome = lifecycle.take(lifecycle.concat(outcomes), order)
    block.policies = pols
    # complaints name a policy by its row among the policies sold without a campaign
    new_row = np.empty(len(order), dtype=np.int64)
    new_row[order] = np.arange(len(order))
    linked = block.complaints["policy_idx"] >= 0
    block.complaints["policy_idx"][linked] = new_row[block.complaints["policy_idx"][linked]]
    # customers' agent: the servicing agent of their first policy
    first_policy = np.full(n, -1)
    latest_first = np.argsort(pols["issue_date"])[::-1]
    first_policy[pols["owner_idx"][latest_first]] = latest_first
    has = first_policy >= 0
    block.customers["agent_id"][has] = pols["agent_id"][first_policy[has]]
    block.customers["is_prospect"] = ~has

    payments = lifecycle.schedule(rng, pols, outcome, horizon)
    payments["payment_id"] = np.char.add(
        "B",
        np.char.zfill(
            (index * 10**9 + np.arange(1, len(payments["due_date"]) + 1)).astype(str), 12
        ),
    )
    payments["policy_number"] = pols["policy_number"][payments["policy_idx"]]
    paid_total = np.bincount(
        payments["policy_idx"],
        weights=np.where(np.isnat(payments["paid_date"]), 0, payments["amount_due_twd"]),
        minlength=len(pols["issue_date"]),
    )
    events = records.policy_events(index, pols, outcome, paid_total, rng)
    claims = records.claims(index, block_rng(cfg.seed, index, "claims"), pols, horizon)
    apps = records.applications(
        index, block_rng(cfg.seed, index, "applications"), block.customers, pols, horizon
    )

    # the touches that converted now know their policy and premium won
    touch_rows = pols["_touch_row"]
    won_rows = np.flatnonzero(touch_rows >= 0)
    touches["policy_number"] = touches["policy_number"].astype("U11")
    touches["policy_number"][touch_rows[won_rows]] = pols["policy_number"][won_rows]
    touches["premium_won_twd"] = np.asarray(touches["premium_won_twd"], dtype=np.int64)
    touches["premium_won_twd"][touch_rows[won_rows]] = pols["annualised_premium_twd"][won_rows]
    touches["_converted_date"] = np.full(len(touches["touch_id"]), np.datetime64("NaT", "D"))
    touches["_converted_date"][touch_rows[won_rows]] = pols["issue_date"][won_rows]
    agent_leave = agents["termination_date"][pols["agent_idx"]]
    return SimulatedBlock(block, outcome, payments, events, claims, apps, touches, agent_leave)
