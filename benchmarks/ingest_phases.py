"""Load, then validate, every landed export into a fresh warehouse, timing the two phases apart.

    LIFECRM_DATA_DIR=<world> python benchmarks/ingest_phases.py

The same library calls the ingestion assets make, without Dagster around them; prints one JSON
line: {"rows": ..., "load_seconds": ..., "validate_seconds": ...}.
"""

from __future__ import annotations

import json
import time

import duckdb

from lifecrm import settings
from lifecrm.ingest.contract import required_columns
from lifecrm.ingest.exports import EXPORTS
from lifecrm.ingest.landing import export_files
from lifecrm.ingest.raw_loader import load_export
from lifecrm.quality import quarantine
from lifecrm.quality.gx_suites import validate_files
from lifecrm.warehouse_file import MEMORY_LIMIT, create_if_missing


def main() -> None:
    create_if_missing(settings.warehouse_path())
    con = duckdb.connect(str(settings.warehouse_path()), config={"memory_limit": MEMORY_LIMIT})
    loaded: dict[str, list[str]] = {}
    rows = 0
    started = time.perf_counter()
    for export in EXPORTS:
        result = load_export(
            con, export, export_files(settings.landing_dir(), export), required_columns(export)
        )
        loaded[export] = result.new_files
        rows += result.rows_loaded + result.rows_quarantined
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for export, files in loaded.items():
        outcome = validate_files(con, f"raw.{export}", f"raw_{export}", files=files)
        quarantine.record(con, export, outcome, files)
    validate_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {"rows": rows, "load_seconds": load_seconds, "validate_seconds": validate_seconds}
        )
    )


if __name__ == "__main__":
    main()
