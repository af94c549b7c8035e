"""Where lifecrm keeps things: one data directory for everything a run produces."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "LIFECRM_DATA_DIR"
WAREHOUSE_FILE = "lifecrm.duckdb"
# The dbt target Dagster's dbt steps build (dbt/profiles.yml): the DuckDB warehouse by default,
# `spark` to build the same models on Apache Spark (docs/scaling-out.md).
DBT_TARGET_ENV = "LIFECRM_DBT_TARGET"
DUCKDB_TARGET = "duckdb"


def data_dir() -> Path:
    """The data directory: $LIFECRM_DATA_DIR, else `data/` in the project root."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured).resolve() if configured else PROJECT_ROOT / "data"


def landing_dir() -> Path:
    return data_dir() / "landing"


def truth_dir() -> Path:
    return data_dir() / "truth"


def warehouse_path() -> Path:
    return data_dir() / "warehouse" / WAREHOUSE_FILE


def reports_dir() -> Path:
    """The executive report and its screenshots."""
    return data_dir() / "reports"


def exports_dir() -> Path:
    """The front-line CSV exports of the tactical lists."""
    return data_dir() / "exports"


def dagster_home() -> Path:
    return data_dir() / "dagster"


def dbt_target_dir() -> Path:
    """dbt's artefacts (manifest, run results), a folder per dbt target: the graphs differ."""
    target = dbt_target()
    return data_dir() / "dbt" / ("target" if target == DUCKDB_TARGET else f"target-{target}")


def dbt_run_link() -> Path:
    """The fixed path a run's dbt steps open: a link to the run's working warehouse.

    dbt parses the whole project again whenever its profile changes, and the profile names the
    file it opens; a path that changed with every run would cost each dbt step a full parse."""
    return data_dir() / "dbt" / "current-run.duckdb"


def dbt_target() -> str:
    """The dbt target of Dagster's dbt steps: $LIFECRM_DBT_TARGET, else the DuckDB one."""
    return os.environ.get(DBT_TARGET_ENV) or DUCKDB_TARGET


def spark_warehouse_dir(data: Path | None = None) -> Path:
    """Where the spark target keeps its tables (its profile's `spark.sql.warehouse.dir`):
    `<schema>.db/<table>/*.parquet`."""
    return (data or data_dir()) / "spark" / "warehouse"


def export_data_dir_to_env() -> Path:
    """Pin the resolved data directory in the environment so subprocesses (dbt) agree with us."""
    path = data_dir()
    os.environ[DATA_DIR_ENV] = str(path)
    return path
