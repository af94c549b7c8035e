"""Where lifecrm keeps things: one data directory for everything a run produces."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR_ENV = "LIFECRM_DATA_DIR"
WAREHOUSE_FILE = "lifecrm.duckdb"


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
    return data_dir() / "dbt" / "target"


def export_data_dir_to_env() -> Path:
    """Pin the resolved data directory in the environment so subprocesses (dbt) agree with us."""
    path = data_dir()
    os.environ[DATA_DIR_ENV] = str(path)
    return path
