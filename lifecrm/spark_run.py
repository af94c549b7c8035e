"""Dagster's asset graph with its dbt steps on Spark (`LIFECRM_DBT_TARGET=spark`).

`python -m lifecrm.spark_run` runs the dbt assets and the models between them in one Dagster run
on the spark target: each dbt step publishes its inputs as Parquet, builds on Spark and copies
what it built into the run's DuckDB warehouse, where the models read their features. Ingestion
is left out (it fills the DuckDB warehouse Spark's inputs come from) and so are the asset
checks: the run is the Spark parity test's, on data DuckDB's build already tested, and it is
never published. `LIFECRM_DBT_TARGET=spark lifecrm run` runs the whole graph, checks included.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lifecrm import settings

SPARK_TARGET = "spark"
SPARK_SELECTION = "group:warehouse or group:ml or group:strategic or group:tactical"


def run_through_dagster(data_dir: Path) -> subprocess.CompletedProcess:
    """`python -m lifecrm.spark_run` on `data_dir`, in a process of its own: the dbt target is
    read when Dagster's definitions are imported."""
    env = {**os.environ, settings.DATA_DIR_ENV: str(data_dir), settings.DBT_TARGET_ENV: "spark"}
    for inherited in ("DAGSTER_HOME", "DBT_TARGET_PATH", "LIFECRM_WAREHOUSE_PATH"):
        env.pop(inherited, None)  # the data directory's own
    return subprocess.run(
        [sys.executable, "-m", "lifecrm.spark_run"], env=env, capture_output=True, text=True
    )


def main() -> int:
    if settings.dbt_target() != SPARK_TARGET:
        print(f"set {settings.DBT_TARGET_ENV}={SPARK_TARGET}", file=sys.stderr)
        return 2
    from lifecrm.orchestration import materialize

    outcome = materialize(SPARK_SELECTION, checks=False)
    import dagster as dg

    from dagster_project.definitions import defs

    selected = dg.AssetSelection.from_string(SPARK_SELECTION).resolve(defs.resolve_asset_graph())
    names = {key.to_user_string() for key in selected}
    missing = sorted(names - set(outcome.metadata))
    print(f"run {outcome.run_id}: {outcome.materialized} of {len(selected)} assets materialised")
    for step in outcome.failed_steps:
        print(f"failed step: {step}", file=sys.stderr)
    if missing:  # a step that succeeded can still skip outputs
        print(f"not materialised: {', '.join(missing)}", file=sys.stderr)
    return 0 if outcome.success and not missing else 1


if __name__ == "__main__":
    raise SystemExit(main())
