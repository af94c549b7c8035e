"""Generate a world and deliver it as a core system would: a dated batch of CSV exports with a
manifest, plus the ground truth beside it (which the pipeline never reads)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from simulator import world as w
from simulator.config import WorldConfig
from simulator.writer import write_batch, write_truth


def _premium_history(
    rng: np.random.Generator, cfg: WorldConfig, policies: dict
) -> tuple[dict, dict]:
    """Every billed installment with its payment, and each policy's status at the end date."""
    end = np.datetime64(cfg.end)
    issue, k = policies["issue_date"], policies["mode_months"]
    stop = w.simulate_lapses(
        rng, policies, horizon_months=int((end - np.datetime64(cfg.start)).astype(int) // 28)
    )

    months_to_end = (w.months_of(np.full(len(issue), end)) - w.months_of(issue)).astype(int)
    end_day = int((end - end.astype("datetime64[M]").astype("datetime64[D]")).astype(int))
    issue_day = (issue - w.months_of(issue).astype("datetime64[D]")).astype(int)
    months_to_end -= (end_day < issue_day).astype(int)  # last whole month whose due date has come
    last_due_offset = months_to_end // k * k
    first_unpaid = np.where(stop > 0, -(-stop // k) * k, np.iinfo(np.int64).max)
    last_offset = np.minimum(last_due_offset, first_unpaid)
    count = last_offset // k + 1

    lapse_date = w.add_months(issue, np.where(stop > 0, first_unpaid + w.GRACE_MONTHS, 0))
    is_lapsed = (stop > 0) & (lapse_date <= end)

    policy_idx = np.repeat(np.arange(len(issue)), count)
    starts = np.repeat(np.cumsum(count) - count, count)
    offset = (np.arange(len(policy_idx)) - starts) * k[policy_idx]
    due = w.add_months(issue[policy_idx], offset)
    unpaid = offset >= first_unpaid[policy_idx]

    # Payers drift late before they stop: the signal a lapse model can learn.
    near_stop = (first_unpaid[policy_idx] - offset) <= 2 * k[policy_idx]
    p_late = np.where(near_stop, 0.55, np.minimum(0.5, policies["base_hazard"][policy_idx] * 25))
    delay = np.where(
        rng.random(len(due)) < p_late,
        rng.integers(20, 56, len(due)),
        rng.integers(-10, 6, len(due)),
    )
    delay[offset == 0] = 0  # the first premium is paid on issue
    amount = np.round(policies["annualised_premium_twd"][policy_idx] * k[policy_idx] / 12)

    payments = {
        "payment_id": np.char.add("B", np.char.zfill(np.arange(1, len(due) + 1).astype(str), 10)),
        "policy_number": policies["policy_number"][policy_idx],
        "due_date": due,
        "paid_date": np.where(unpaid, np.datetime64("NaT"), due + delay * w.DAY),
        "amount_due_twd": amount.astype(np.int64),
        "amount_paid_twd": np.where(unpaid, 0, amount).astype(np.int64),
    }
    status = {
        "stop_month": stop,
        "is_lapsed": is_lapsed,
        "lapse_date": np.where(is_lapsed, lapse_date, np.datetime64("NaT")),
    }
    return payments, status


def build_world(cfg: WorldConfig) -> w.World:
    rng = np.random.default_rng(cfg.seed)
    agents = w.make_agents(rng, cfg)
    customers = w.make_customers(rng, cfg)
    policies = w.make_policies(rng, cfg, customers, agents)
    payments, status = _premium_history(rng, cfg, policies)

    end = np.datetime64(cfg.end)
    months_in_force = (
        w.months_of(np.full(len(policies["issue_date"]), end)) - w.months_of(policies["issue_date"])
    ).astype(int)
    policy_table = pa.table(
        {
            "policy_number": policies["policy_number"],
            "owner_customer_id": customers["customer_id"][policies["owner_idx"]],
            "agent_id": agents["agent_id"][policies["agent_idx"]],
            "channel": policies["channel"],
            "product_code": policies["product_code"],
            "issue_date": policies["issue_date"],
            "sum_assured_twd": policies["sum_assured_twd"],
            "annualised_premium_twd": policies["annualised_premium_twd"],
            "premium_mode": policies["premium_mode"],
            "payment_method": policies["payment_method"],
            "policy_status": np.where(status["is_lapsed"], "lapsed", "in_force"),
            "status_date": np.where(
                status["is_lapsed"], status["lapse_date"], policies["issue_date"]
            ),
        }
    )
    truth = pa.table(
        {
            "policy_number": policies["policy_number"],
            "monthly_base_hazard": policies["base_hazard"],
            "stop_paying_month": status["stop_month"],
            "is_lapsed": status["is_lapsed"],
            "true_lapse_probability_12m": np.where(
                status["is_lapsed"], np.nan, w.true_lapse_probability(policies, months_in_force)
            ),
        }
    )
    public = {k: v for k, v in customers.items() if not k.startswith("_")}
    return w.World(
        agents=pa.table(agents),
        customers=pa.table(public),
        policies=policy_table,
        premium_payments=pa.table(payments),
        truth_policies=truth,
    )


def generate_world(cfg: WorldConfig, data_dir: Path) -> Path:
    """Write the initial full extract as the batch dated `cfg.end`; returns the batch folder."""
    world = build_world(cfg)
    batch = write_batch(
        data_dir / "landing",
        cfg.end,
        {
            "customers": world.customers,
            "agents": world.agents,
            "policies": world.policies,
            "premium_payments": world.premium_payments,
        },
    )
    write_truth(data_dir / "truth", {"policies": world.truth_policies}, cfg)
    return batch
