"""The simulator's CRM tables: contract columns, valid codes and dates, and the causal structure
(randomised controls, positive uplift) that the warehouse's models are meant to recover."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from simulator import crm
from simulator.block import Block
from simulator.config import WorldConfig
from simulator.contract import (
    ACQUISITION_SOURCES,
    AGENT_CHANNELS,
    AGENT_RANKS,
    EXPORTS,
    INTERACTION_CHANNELS,
    PAYMENT_METHODS,
    PREMIUM_MODES,
    PRODUCT_TYPES,
    SALES_CHANNELS,
)
from simulator.ids import DAY, NAT, make_ids
from simulator.segments import SEGMENTS, TRUE_UPLIFT

N_CUSTOMERS, N_POLICIES, N_COMPLAINTS, N_AGENTS = 3000, 4200, 400, 40


def _fake_world(seed: int = 5) -> tuple[Block, dict[str, np.ndarray]]:
    """A block with every column block.py lists, filled with plausible random values."""
    cfg = WorldConfig(customers=N_CUSTOMERS, start=date(2018, 1, 1), end=date(2025, 12, 31))
    rng = np.random.default_rng(seed)
    start, horizon = np.datetime64(cfg.start, "D"), np.datetime64(cfg.horizon_end, "D")
    span = int((horizon - start) // DAY)
    agent_ids = make_ids("A", 0, N_AGENTS, 7)

    def pick(values, k: int) -> np.ndarray:
        return np.array(list(values))[rng.integers(0, len(values), k)]

    n, m, c = N_CUSTOMERS, N_POLICIES, N_COMPLAINTS
    prospect = rng.random(n) < 0.15
    created = np.minimum(start - 400 * DAY + rng.integers(0, span + 300, n) * DAY, horizon)
    customers = {
        "customer_id": make_ids("C", 2, n, 8), "national_id": pick(["A123456789"], n),
        "customer_name": pick(["陳志明", "林美玲"], n),
        "birth_date": start - rng.integers(7000, 25000, n) * DAY, "gender": pick("MF", n),
        "marital_status": pick(["single", "married"], n), "occupation_class": pick("123456", n),
        "income_band": pick(["low", "middle", "high"], n),
        "monthly_income_twd": rng.uniform(2e4, 2e5, n), "city": pick(["Taipei"], n),
        "district": pick(["Da'an"], n), "postal_code": pick(["106"], n),
        "address_line": pick(["1 Road, 2F"], n), "phone": pick(["0912345678"], n),
        "email": pick(["a@example.com.tw"], n), "acquisition_source": pick(ACQUISITION_SOURCES, n),
        "created_date": created, "segment": pick(SEGMENTS, n), "satisfaction": rng.beta(4, 2, n),
        "is_prospect": prospect, "agent_id": np.where(rng.random(n) < 0.7, pick(agent_ids, n), ""),
        "preferred_channel": pick(INTERACTION_CHANNELS, n),
    }  # fmt: skip
    buyers = np.flatnonzero(~prospect)
    owner = np.sort(np.concatenate([buyers, rng.choice(buyers, m - len(buyers))]))
    issue = np.minimum(created[owner] + rng.integers(0, 900, m) * DAY, horizon)
    end = np.where(rng.random(m) < 0.4, issue + rng.integers(1, 2500, m) * DAY, NAT)
    end = np.where(end <= horizon, end, NAT)
    end_types = ["lapsed", "surrendered", "free_look_cancellation", "matured", "death_claim"]
    channel = pick(SALES_CHANNELS, m)
    policies = {
        "policy_number": make_ids("P", 2, m, 10), "owner_idx": owner,
        "insured_idx": np.where(rng.random(m) < 0.8, owner, rng.integers(0, n, m)),
        "agent_id": np.where(np.isin(channel, AGENT_CHANNELS), pick(agent_ids, m), ""),
        "channel": channel, "product_code": pick(["TRM10"], m),
        "product_type": pick(PRODUCT_TYPES, m), "issue_date": issue,
        "sum_assured_twd": rng.integers(100_000, 10_000_000, m),
        "annualised_premium_twd": rng.integers(1_000, 100_000, m),
        "premium_mode": pick(PREMIUM_MODES, m), "payment_method": pick(PAYMENT_METHODS, m),
        "campaign_id": np.full(m, ""), "end_date": end,
        "end_type": np.where(np.isnat(end), "", pick(end_types, m)),
    }  # fmt: skip
    complained = start + rng.integers(0, span + 1, c) * DAY
    resolved = complained + rng.integers(0, 60, c) * DAY
    complaints = {
        "customer_idx": rng.choice(buyers, c),
        "policy_idx": np.where(rng.random(c) < 0.7, rng.integers(0, m, c), -1),
        "complaint_date": complained,
        "resolved_date": np.where((rng.random(c) < 0.8) & (resolved <= horizon), resolved, NAT),
        "channel": pick(INTERACTION_CHANNELS, c),
    }
    hire = start - 3000 * DAY + rng.integers(0, 5000, N_AGENTS) * DAY
    leave = np.where(rng.random(N_AGENTS) < 0.5, hire + rng.integers(30, 2000, N_AGENTS) * DAY, NAT)
    agents = {
        "agent_id": agent_ids, "hire_date": hire,
        "termination_date": np.where(leave <= horizon, leave, NAT),
        "rank": pick(AGENT_RANKS, N_AGENTS), "channel": pick(AGENT_CHANNELS, N_AGENTS),
        "satisfaction": rng.random(N_AGENTS),
    }  # fmt: skip
    block = Block(index=2, cfg=cfg, customers=customers, policies=policies, complaints=complaints)
    return block, agents


def _generate(block: Block, agents: dict, seed: int = 11) -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    campaigns = crm.campaigns_table(block.cfg, rng)
    touches, conversions = crm.campaign_touches(block, campaigns, rng)
    return {
        "campaigns": campaigns,
        "campaign_touches": touches,
        "conversions": conversions,
        "interactions": crm.interactions(block, rng),
        "satisfaction_surveys": crm.satisfaction_surveys(block, rng),
        **crm.agent_tables(agents, block.cfg, rng),
    }


@pytest.fixture(scope="module")
def world() -> tuple[Block, dict[str, dict[str, np.ndarray]]]:
    block, agents = _fake_world()
    return block, _generate(block, agents)


INTERNAL = {"campaign_touches", "interactions", "satisfaction_surveys"}  # carry customer_idx


@pytest.mark.parametrize(
    "name", sorted(INTERNAL | {"campaigns", "agent_surveys", "agent_training"})
)
def test_tables_follow_the_contract(world, name):
    block, tables = world
    table, export = tables[name], EXPORTS[name]
    assert list(table) == export.names() + (["customer_idx"] if name in INTERNAL else [])
    assert len({len(v) for v in table.values()}) == 1
    assert len(table[export.names()[0]]) > 0
    assert len(np.unique(table[export.key[0]])) == len(table[export.key[0]])
    for col in export.columns:
        values = table[col.name]
        if col.codes:
            assert set(values[values != ""]) <= set(col.codes), col.name
        if col.required and col.type in ("code", "text"):
            assert (values != "").all(), col.name
        if col.type == "date":
            assert values.dtype == np.dtype("datetime64[D]"), col.name
            known = values[~np.isnat(values)]
            assert (known >= block.start).all() and (known <= block.horizon).all(), col.name
            assert not (col.required and np.isnat(values).any()), col.name
        if col.type == "flag":
            assert values.dtype == np.int8 and set(np.unique(values)) <= {0, 1}, col.name
        if col.type in ("integer", "amount"):
            assert values.dtype == np.int64, col.name


def test_campaigns_randomise_a_fifth_to_control_and_contact_has_uplift(world):
    block, tables = world
    touches, conversions = tables["campaign_touches"], tables["conversions"]
    control = touches["is_control"] == 1
    assert 0.17 < control.mean() < 0.23
    segment = np.array([SEGMENTS.index(s) for s in block.customers["segment"]])
    positive = TRUE_UPLIFT[segment[touches["customer_idx"]]] > 0.015
    responded = touches["responded"] == 1
    assert responded[positive & ~control].mean() > responded[positive & control].mean()
    # Conversions point back at converted touches, after the response and by the horizon.
    rows = conversions["touch_row"]
    assert (touches["converted"][rows] == 1).all() and touches["converted"].sum() == len(rows)
    assert (conversions["issue_date"] > touches["response_date"][rows]).all()
    assert (conversions["issue_date"] <= block.horizon).all()
    assert set(conversions["channel"]) <= set(SALES_CHANNELS)
    assert set(conversions["product_type"]) <= set(PRODUCT_TYPES)
    truth = crm.campaign_uplift_truth(tables["campaigns"])
    assert len(truth["campaign_id"]) == len(tables["campaigns"]["campaign_id"]) * len(SEGMENTS)


def test_acquisition_targets_prospects_and_others_target_policyholders(world):
    block, tables = world
    touches, campaigns = tables["campaign_touches"], tables["campaigns"]
    kind = dict(zip(campaigns["campaign_id"], campaigns["campaign_type"], strict=True))
    acquisition = np.array([kind[c] == "acquisition" for c in touches["campaign_id"]])
    prospect = block.customers["is_prospect"][touches["customer_idx"]]
    assert (prospect == acquisition).all()


def test_interactions_tell_a_consistent_story(world):
    block, tables = world
    log = tables["interactions"]
    prospect = block.customers["is_prospect"][log["customer_idx"]]
    assert not (prospect & (log["interaction_type"] == "purchase")).any()
    assert (prospect & (log["interaction_type"] == "information_sent")).any()
    # Only agent visits name an agent, and all do but complaints from agentless customers.
    agent_visit = log["channel"] == "agent_visit"
    assert (log["agent_id"][~agent_visit] == "").all()
    generated = agent_visit & (log["interaction_type"] != "complaint")
    assert (log["agent_id"][generated] != "").all()
    assert (log["interaction_type"] == "complaint").sum() == N_COMPLAINTS
    assert 3 <= len(log["interaction_id"]) / N_CUSTOMERS <= 8
    notes = log["notes"]
    for special in (",", '"', "\n"):
        assert 0.003 < np.mean([special in x for x in notes]) < 0.08, repr(special)


def test_survey_answers_follow_latent_satisfaction(world):
    block, tables = world
    surveys = tables["satisfaction_surveys"]
    assert surveys["csat"].min() >= 1 and surveys["csat"].max() <= 5
    assert surveys["nps"].min() >= 0 and surveys["nps"].max() <= 10
    latent = block.customers["satisfaction"][surveys["customer_idx"]]
    assert np.corrcoef(latent, surveys["csat"])[0, 1] > 0.5


def test_same_seed_same_tables():
    block, agents = _fake_world(seed=9)
    first, second = _generate(block, agents), _generate(block, agents)
    for name, table in first.items():
        for column, values in table.items():
            nan_ok = values.dtype.kind in "fM"  # NaT compares unequal to itself
            assert np.array_equal(values, second[name][column], equal_nan=nan_ok), (name, column)
