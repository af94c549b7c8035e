"""The one DuckDB warehouse every asset writes, and the pool that keeps its writers in line.

DuckDB allows one writing process per file. Every asset that opens the warehouse joins the
`WAREHOUSE_POOL` concurrency pool, which the instance limits to one slot (see
`dagster_project/dagster.yaml`), and the code location uses the in-process executor, so the
dbt subprocess and the Python assets never hold the file at the same time.
"""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from lifecrm import settings

WAREHOUSE_POOL = "duckdb_warehouse"


def warehouse_resource() -> DuckDBResource:
    path = settings.warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(path))
