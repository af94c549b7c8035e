"""One phase of ingesting a world's landed batches, timed on its own (run each in a process of
its own, so its peak memory is its own):

    LIFECRM_DATA_DIR=<world> python benchmarks/ingest_phases.py floor|load|validate

- `floor`: what any loader must do at least: sha256 every landed CSV and read it with DuckDB's
  own typed `read_csv` into memory (skipping malformed records; the file DuckDB cannot read as
  it stands, the Big5 one, is left out);
- `persist`: the same, but every column as text into a table of a fresh database file, kept
  (what any loader that keeps the delivered rows as they were must do at least: the rows
  written, compressed and checkpointed, which DuckDB's in-memory read does not);
- `load`: the loader into a fresh warehouse (manifests, checksums, encodings, line numbers,
  `raw`), the library calls the ingestion assets make, without Dagster around them;
- `validate`: every loaded file's suite on GX's SQL engine, and the quarantine it writes.

Prints one JSON line: {"phase": ..., "seconds": ..., "rows": ...}.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time

import duckdb

from lifecrm import settings
from lifecrm.ingest.contract import required_columns
from lifecrm.ingest.exports import EXPORTS
from lifecrm.ingest.landing import export_files
from lifecrm.ingest.raw_loader import load_export
from lifecrm.quality import quarantine
from lifecrm.quality.gx_suites import validate_files
from lifecrm.warehouse_file import create_if_missing, duckdb_limits


def floor(persist: bool = False) -> tuple[float, int]:
    if persist:
        path = settings.warehouse_path().with_name("persist_floor.duckdb")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    con = duckdb.connect(str(path) if persist else ":memory:", config=duckdb_limits())
    rows = 0
    started = time.perf_counter()
    for i, path in enumerate(sorted(settings.landing_dir().rglob("*.csv"))):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        try:
            con.execute(  # a malformed record planted in a file is skipped, not fatal
                f"create table t{i} as select * from read_csv(?, ignore_errors = true"
                f"{', all_varchar = true' if persist else ''})",
                [str(path)],
            )
        except duckdb.Error:
            continue
        rows += con.execute(f"select count(*) from t{i}").fetchall()[0][0]
        if not persist:
            con.execute(f"drop table t{i}")  # the floor reads; it keeps nothing
    con.execute("checkpoint")
    return time.perf_counter() - started, rows


def _connect() -> duckdb.DuckDBPyConnection:
    create_if_missing(settings.warehouse_path())
    return duckdb.connect(str(settings.warehouse_path()), config=duckdb_limits())


def load() -> tuple[float, int]:
    con = _connect()
    rows = 0
    started = time.perf_counter()
    for export in EXPORTS:
        result = load_export(
            con, export, export_files(settings.landing_dir(), export), required_columns(export)
        )
        rows += result.rows_loaded + result.rows_quarantined
    seconds = time.perf_counter() - started
    con.close()
    return seconds, rows


def validate() -> tuple[float, int]:
    con = _connect()
    started = time.perf_counter()
    rows = 0
    for export in EXPORTS:
        files = [
            r[0]
            for r in con.execute(
                "select source_file from raw.load_manifest where export = ? "
                "and batch_failure is null order by source_file",
                [export],
            ).fetchall()
        ]
        if not files:
            continue
        outcome = validate_files(con, f"raw.{export}", f"raw_{export}", files=files)
        quarantine.record(con, export, outcome, files)
        rows += outcome.rows
    seconds = time.perf_counter() - started
    con.close()
    return seconds, rows


PHASES = {
    "floor": floor,
    "persist": lambda: floor(persist=True),
    "load": load,
    "validate": validate,
}


if __name__ == "__main__":
    phase = sys.argv[1]
    seconds, rows = PHASES[phase]()
    print(json.dumps({"phase": phase, "seconds": seconds, "rows": rows}))
