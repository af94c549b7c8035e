"""The warehouse file itself: created so that the DuckDB versions in BI tools can read it, and
opened by readers that wait their turn."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

# A file created by duckdb 2.x with default settings opens in no older DuckDB. Created with this
# compatibility version, it stays readable from DuckDB 1.1 on, even after later writes.
STORAGE_COMPATIBILITY_VERSION = "v1.1.0"
# DuckDB's default would take most of the machine's memory before spilling to disk.
MEMORY_LIMIT = "1GB"


def create_if_missing(path: Path) -> None:
    """Create an empty warehouse; safe when several processes try at once."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.new")
    con = duckdb.connect(
        str(scratch), config={"storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION}
    )
    con.close()
    try:
        os.link(scratch, path)  # atomic, and fails if another process got there first
    except FileExistsError:
        pass
    finally:
        scratch.unlink()


def connect_read_only(path: Path, wait_seconds: float = 300) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, waiting while a writer holds it (DuckDB refuses then)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
