"""The simulator's truth as a yardstick: how well could any model do?

Only a simulated world has a truth (`<data dir>/truth/`, never read to build anything); when it
is there, the lapse model's evaluation also scores the simulator's true 12-month probabilities on
the same policies and labels. The truth holds them as of the world's end date and one year
before it, so the oracle is scored only when the evaluation date is one of those.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from lifecrm import settings

ORACLE_NAME = "oracle_true_probability"


def _truth_column(as_of: date, name: str) -> str | None:
    """The truth's column `name` as of the world's end, or `name`_year_before a year earlier;
    None for another date or a world without a truth."""
    world = settings.truth_dir() / "world.json"
    if not world.is_file():
        return None
    end = date.fromisoformat(json.loads(world.read_text())["config"]["end"])
    return {end: name, end - relativedelta(years=1): f"{name}_year_before"}.get(as_of)


def true_probabilities(
    con: duckdb.DuckDBPyConnection, policies: pd.DataFrame, as_of: date
) -> np.ndarray | None:
    """The true 12-month lapse probability of each of `policies` (by policy_key) on `as_of`, or
    None when the world has no truth for that date."""
    truth = settings.truth_dir() / "policies.csv"
    column = _truth_column(as_of, "true_lapse_probability_12m")
    if column is None or not truth.is_file():
        return None
    keys = pd.DataFrame(
        {"policy_key": policies["policy_key"].to_numpy(), "row": range(len(policies))}
    )
    con.register("_policies", keys)
    try:
        found = con.execute(
            f"""
            select t.{column}
            from _policies
            left join marts.dim_policy as p using (policy_key)
            left join read_csv(?, all_varchar = true) as t using (policy_number)
            order by _policies.row
            """,
            [str(truth)],
        ).fetchall()
    finally:
        con.unregister("_policies")
    return np.array([float(v) if v not in (None, "", "nan") else np.nan for (v,) in found])


def _by_customer(
    con: duckdb.DuckDBPyConnection, customer_keys: pd.Series, value: str, truth: Path
) -> list:
    """`value` (an aggregate over the truth's rows `t`) for each customer, by customer_key in
    order: a person delivered under two customer IDs has two truth rows."""
    keys = pd.DataFrame(
        {"customer_key": customer_keys.to_numpy(), "row": range(len(customer_keys))}
    )
    con.register("_customers", keys)
    try:
        found = con.execute(
            f"""
            select {value}
            from _customers
            left join pii.pii_customers as p using (customer_key)
            left join read_csv(?, all_varchar = true) as t using (customer_id)
            group by _customers.row
            order by _customers.row
            """,
            [str(truth)],
        ).fetchall()
    finally:
        con.unregister("_customers")
    return [found_value for (found_value,) in found]


def true_segments(con: duckdb.DuckDBPyConnection, customer_keys: pd.Series) -> list | None:
    """The simulator's true segment of each customer (by customer_key), or None without a truth.
    A customer the truth does not know (none should be missing) gets None."""
    truth = settings.truth_dir() / "customers.csv"
    if not truth.is_file():
        return None
    return _by_customer(con, customer_keys, "any_value(t.segment)", truth)


def true_purchase_probabilities(
    con: duckdb.DuckDBPyConnection, customer_keys: pd.Series, as_of: date
) -> np.ndarray | None:
    """The true probability that each customer (by customer_key) buys a policy in the 12 months
    after `as_of`, or None when the world has no truth for that date."""
    truth = settings.truth_dir() / "customers.csv"
    column = _truth_column(as_of, "true_purchase_probability_12m")
    if column is None or not truth.is_file():
        return None
    found = _by_customer(con, customer_keys, f"max(try_cast(t.{column} as double))", truth)
    return np.array([np.nan if v is None else v for v in found], dtype=float)
