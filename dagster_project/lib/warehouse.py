"""The one DuckDB warehouse every asset writes, and the pool that keeps its writers in line.

DuckDB allows one writing process per file. Every asset that opens the warehouse joins the
`WAREHOUSE_POOL` concurrency pool, which the instance limits to one slot (see
`dagster_project/dagster.yaml`), and the code location uses the in-process executor, so the
dbt subprocess and the Python assets never hold the file at the same time.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import InitResourceContext
from dagster_duckdb import DuckDBResource

from lifecrm import settings
from lifecrm.warehouse_file import MEMORY_LIMIT, create_if_missing

WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseResource(DuckDBResource):
    """DuckDBResource on the warehouse file, created in a storage format older readers open."""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        create_if_missing(settings.warehouse_path())
        super().setup_for_execution(context)

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # DuckDBResource closes its connection only when the block succeeds: an asset that
        # raised would hold the file's lock until garbage collection, and the dbt step after it
        # would wait for the file in vain.
        connection = duckdb.connect(self.database, config=self.connection_config)
        try:
            yield connection
        finally:
            connection.close()


def warehouse_resource() -> WarehouseResource:
    return WarehouseResource(
        database=str(settings.warehouse_path()), connection_config={"memory_limit": MEMORY_LIMIT}
    )
