"""The simulated world in the shape of the exports: one column dict per export, contract order,
plus the hidden `_`-columns delivery needs (dropped before writing)."""

from __future__ import annotations

import numpy as np

from simulator import crm, external, products
from simulator.config import WorldConfig
from simulator.contract import EXPORTS
from simulator.core import Parameters, SimulatedBlock
from simulator.ids import block_rng


def _pick(export: str, columns: dict, hidden: tuple[str, ...] = ()) -> dict:
    names = EXPORTS[export].names()
    missing = [name for name in names if name not in columns]
    if missing:
        raise KeyError(f"the simulator has no {missing} for the {export} export")
    return {name: columns[name] for name in [*names, *hidden]}


def global_exports(
    cfg: WorldConfig, agents: dict, campaigns: dict, params: Parameters
) -> dict[str, dict]:
    agent_side = crm.agent_tables(agents, cfg, block_rng(cfg.seed, 0, "agent-crm"))
    return {
        "agents": _pick("agents", agents),
        "products": _pick(
            "products",
            products.catalogue_export(
                params.commission_scale, params.admin_cost_per_policy_year_twd
            ),
        ),
        "campaigns": _pick("campaigns", campaigns),
        "agent_surveys": _pick("agent_surveys", agent_side["agent_surveys"]),
        "agent_training": _pick("agent_training", agent_side["agent_training"]),
        "external_areas": _pick(
            "external_areas", external.external_areas(block_rng(cfg.seed, 0, "areas"))
        ),
    }


def block_exports(sim: SimulatedBlock) -> tuple[dict[str, dict], dict[str, dict]]:
    """The block's exports, and the vendor's truth about its own records."""
    block, cfg = sim.block, sim.block.cfg
    customers, pols = block.customers, block.policies
    policy_columns = {
        **pols,
        "owner_customer_id": customers["customer_id"][pols["owner_idx"]],
        "insured_customer_id": customers["customer_id"][pols["insured_idx"]],
    }
    households, household_truth = external.external_households(
        block, block_rng(cfg.seed, block.index, "vendor")
    )
    exports = {
        "customers": _pick("customers", customers),
        "applications": _pick("applications", sim.applications),
        "policies": _pick("policies", policy_columns),
        "policy_events": _pick("policy_events", sim.events),
        "premium_payments": _pick("premium_payments", sim.payments),
        "claims": _pick("claims", sim.claims),
        "interactions": _pick(
            "interactions",
            crm.interactions(block, block_rng(cfg.seed, block.index, "interactions")),
        ),
        "campaign_touches": _pick("campaign_touches", sim.touches, hidden=("_converted_date",)),
        "satisfaction_surveys": _pick(
            "satisfaction_surveys",
            crm.satisfaction_surveys(block, block_rng(cfg.seed, block.index, "surveys")),
        ),
        "external_households": _pick("external_households", households),
    }
    return exports, {"external_households": household_truth}


def as_text_columns(table: dict) -> dict[str, np.ndarray]:
    """Every column as text the way the CSV shows it: ISO dates, '' for missing (NaT, -1, NaN)."""
    out = {}
    for name, values in table.items():
        if name.startswith("_"):
            continue
        values = np.asarray(values)
        if np.issubdtype(values.dtype, np.datetime64):
            text = np.datetime_as_string(values.astype("datetime64[D]"), unit="D")
            out[name] = np.where(np.isnat(values), "", text)
        elif values.dtype == bool:
            out[name] = np.where(values, "1", "0")
        elif np.issubdtype(values.dtype, np.integer):
            out[name] = np.where(values == -1, "", values.astype(str))
        elif np.issubdtype(values.dtype, np.floating):
            out[name] = np.where(np.isnan(values), "", np.char.mod("%.4g", values))
        else:
            out[name] = values.astype(str)
    return out
