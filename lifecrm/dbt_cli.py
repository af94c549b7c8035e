"""dbt as a subprocess of lifecrm: the project's profiles, a given data directory (whose warehouse
the profile opens), and the artefacts (target files, logs) in a given folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lifecrm import pii_key, settings


def run_dbt(
    arguments: list[str],
    *,
    data_dir: Path,
    artefacts: Path,
    capture: bool = True,
    key_from: Path | None = None,
) -> subprocess.CompletedProcess:
    """`key_from`: the data directory whose pseudonymisation key dbt keys with, when it is not
    `data_dir` (a scratch copy of a warehouse is keyed as the warehouse it copies)."""
    env = {
        **os.environ,
        settings.DATA_DIR_ENV: str(data_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # the pipeline's target, on data_dir's warehouse (not a run's working file, nor the `dev`
    # copy that dbt run by hand builds); an explicit `--target` in `arguments` still wins
    env["DBT_TARGET"] = settings.DUCKDB_TARGET
    env["LIFECRM_WAREHOUSE_PATH"] = str(data_dir / "warehouse" / settings.WAREHOUSE_FILE)
    if key_from is not None and pii_key.KEY_ENV not in env:
        env[pii_key.KEY_ENV] = pii_key.resolve(key_from).decode()
    if "spark" in arguments:  # `--target spark`: the key travels in Spark's session settings
        pii_key.export_spark_pads(data_dir)
        env.update({name: os.environ[name] for name in pii_key.SPARK_PAD_ENV.values()})
    command = [
        str(Path(sys.executable).parent / "dbt"), *arguments,
        "--profiles-dir", str(settings.PROJECT_ROOT / "dbt"),
        "--project-dir", str(settings.PROJECT_ROOT),
        "--target-path", str(artefacts), "--log-path", str(artefacts),
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=settings.PROJECT_ROOT, env=env, capture_output=capture, text=True
    )
