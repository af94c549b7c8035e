"""The warehouse file itself: created so that the DuckDB versions in BI tools can read it."""

from __future__ import annotations

from pathlib import Path

import duckdb

# A file created by duckdb 2.x with default settings opens in no older DuckDB. Created with this
# compatibility version, it stays readable from DuckDB 1.1 on, even after later writes.
STORAGE_COMPATIBILITY_VERSION = "v1.1.0"


def create_if_missing(path: Path) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(path), config={"storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION}
    )
    con.close()
