"""`lifecrm metrics`: ask MetricFlow (the dbt semantic layer) for metrics from the warehouse.

`mf` reads the semantic manifest only from `<project>/target/semantic_manifest.json`, finds the
profile only through DBT_PROFILES_DIR, and opens the warehouse file itself (read-write: it fails
while a run holds the file). So the manifest is parsed into the data directory like every dbt
artefact, then copied where `mf` looks, and `mf` runs from the project root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from lifecrm import settings
from lifecrm.dbt_cli import run_dbt

MF_MANIFEST = settings.PROJECT_ROOT / "target" / "semantic_manifest.json"


def _mf_environment() -> dict[str, str]:
    return {
        **os.environ,
        settings.DATA_DIR_ENV: str(settings.data_dir()),
        "DBT_PROFILES_DIR": str(settings.PROJECT_ROOT / "dbt"),
        # `mf` has no --target: the profile's default target is $DBT_TARGET (else `dev`)
        "DBT_TARGET": settings.DUCKDB_TARGET,
        "LIFECRM_WAREHOUSE_PATH": str(settings.warehouse_path()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def prepare_semantic_manifest() -> Path:
    """Parse the dbt project (metrics and semantic models included) and put the semantic
    manifest where `mf` reads it."""
    target = settings.data_dir() / "dbt" / "semantic"
    parsed = run_dbt(["parse", "--quiet"], data_dir=settings.data_dir(), artefacts=target)
    if parsed.returncode != 0:
        raise ValueError(f"dbt parse failed:\n{parsed.stdout[-3000:]}{parsed.stderr[-3000:]}")
    MF_MANIFEST.parent.mkdir(exist_ok=True)
    shutil.copyfile(target / "semantic_manifest.json", MF_MANIFEST)
    return MF_MANIFEST


def run_mf(arguments: list[str]) -> int:
    """Run `mf <arguments>` on the warehouse of the data directory; returns its exit code."""
    if not settings.warehouse_path().exists():
        raise ValueError(f"no warehouse at {settings.warehouse_path()}: run `lifecrm run` first")
    prepare_semantic_manifest()
    mf = str(Path(sys.executable).parent / "mf")
    return subprocess.run(
        [mf, *arguments], cwd=settings.PROJECT_ROOT, env=_mf_environment()
    ).returncode
