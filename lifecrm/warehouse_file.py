"""The warehouse file itself: created so that the DuckDB versions in BI tools can read it, opened
by readers that wait their turn, and by writers within the same bounds as dbt's (the profile
reads the same environment variables, with the same defaults: dbt/profiles.yml)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from lifecrm import settings

# A file created by duckdb 2.x with default settings opens in no older DuckDB. Created with this
# compatibility version, it stays readable from DuckDB 1.1 on, even after later writes.
STORAGE_COMPATIBILITY_VERSION = "v1.1.0"
# DuckDB's defaults would take most of the machine's memory before spilling to disk, and spill
# beside the database file (a run's working copy, a reader's scratch copy).
MEMORY_LIMIT_ENV, MEMORY_LIMIT = "LIFECRM_DUCKDB_MEMORY_LIMIT", "2GB"
THREADS_ENV, THREADS = "LIFECRM_DUCKDB_THREADS", 2  # the cores of the machine lifecrm is sized for
# default: <data>/duckdb_tmp, one level down (DuckDB creates the folder it spills to, not its
# parents)
TEMP_DIRECTORY_ENV = "LIFECRM_DUCKDB_TEMP_DIRECTORY"


def duckdb_limits() -> dict[str, str | int]:
    """DuckDB's memory limit, threads and spill directory for every connection that writes:
    each setting from its environment variable, else its default. Processes share the spill
    directory safely (DuckDB names its files by process)."""
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or MEMORY_LIMIT,
        "threads": int(os.environ.get(THREADS_ENV) or THREADS),
        "temp_directory": os.environ.get(TEMP_DIRECTORY_ENV)
        or str(settings.data_dir() / "duckdb_tmp"),
    }


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
