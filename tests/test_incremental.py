"""The incremental facts, built day by day as batches arrive, equal a full refresh exactly."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from lifecrm.dbt_cli import run_dbt

INCREMENTAL = ["fct_premium_payments", "fct_policy_months", "fct_interactions"]


@pytest.fixture(scope="module")
def daily(built_daily_world):
    """A world built day by day (tests/conftest.py), a run per batch."""
    return built_daily_world


def dbt_in(data_dir, *args: str):
    """dbt on the warehouse of `data_dir`, its artefacts beside it."""
    return run_dbt(list(args), data_dir=data_dir, artefacts=data_dir / "dbt")


@pytest.fixture(scope="module")
def refreshed(daily, tmp_path_factory):
    """A copy of the day-by-day warehouse whose incremental facts are rebuilt from scratch."""
    scratch = tmp_path_factory.mktemp("refreshed")
    (scratch / "warehouse").mkdir()
    shutil.copyfile(
        daily / "warehouse" / "lifecrm.duckdb", scratch / "warehouse" / "lifecrm.duckdb"
    )
    shutil.copytree(daily / "secrets", scratch / "secrets")  # the key it was built with
    built = dbt_in(scratch, "run", "--full-refresh", "--select", *INCREMENTAL)
    assert built.returncode == 0, built.stdout[-3000:]
    return scratch


@pytest.mark.parametrize("table", INCREMENTAL)
def test_day_by_day_equals_a_full_refresh(daily, refreshed, table):
    con = duckdb.connect()
    con.execute(f"attach '{daily}/warehouse/lifecrm.duckdb' as daily (read_only)")
    con.execute(f"attach '{refreshed}/warehouse/lifecrm.duckdb' as refreshed (read_only)")
    rows = con.execute(f"select count(*) from daily.marts.{table}").fetchall()[0][0]
    assert rows == con.execute(f"select count(*) from refreshed.marts.{table}").fetchall()[0][0]
    only_daily = con.execute(
        f"select count(*) from (from daily.marts.{table} except all from refreshed.marts.{table})"
    ).fetchall()[0][0]
    only_refreshed = con.execute(
        f"select count(*) from (from refreshed.marts.{table} except all from daily.marts.{table})"
    ).fetchall()[0][0]
    assert (only_daily, only_refreshed) == (0, 0)
    # the daily batches brought new and corrected rows into the table
    later = con.execute(
        f"select count(*) from daily.marts.{table} "
        "where source_batch_date > (select min(batch_date) from daily.raw.load_manifest)"
    ).fetchall()[0][0]
    assert 0 < later < rows


@pytest.mark.parametrize(
    ("table", "column", "why"),
    [
        ("fct_interactions", "source_batch_date", "before it was incremental"),
        # fct_policy_months gained the paid-up flag and the premium in force
        ("fct_policy_months", "is_paid_up", "without its column(s) is_paid_up"),
    ],
)
def test_a_fact_built_by_an_earlier_version_asks_for_a_full_refresh(
    built_world, tmp_path, table, column, why
):
    (tmp_path / "warehouse").mkdir()
    shutil.copyfile(built_world.warehouse, tmp_path / "warehouse" / "lifecrm.duckdb")
    shutil.copytree(built_world.data_dir / "secrets", tmp_path / "secrets")
    con = duckdb.connect(str(tmp_path / "warehouse" / "lifecrm.duckdb"))
    con.execute(f"alter table marts.{table} drop column {column}")
    con.close()
    built = dbt_in(tmp_path, "run", "--select", table)
    assert built.returncode == 1
    assert f"was built by an earlier version of lifecrm, {why}" in built.stdout
    assert f"dbt build --full-refresh --select {table}" in built.stdout
