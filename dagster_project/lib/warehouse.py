"""The DuckDB warehouse every asset writes, and the pool that keeps its writers in line.

Inside a run, the resource opens the run's working file (`lifecrm.publish.working_path`),
started from the published warehouse; the run's dbt steps write the same file (`dbt_env`
points the dbt profile at it). Only a run that succeeds is published (`lifecrm.publish`).
Outside a run (a test, a script) it opens the published file itself.

DuckDB allows one writing process per file. Every asset that opens the warehouse joins the
`WAREHOUSE_POOL` concurrency pool, which the instance limits to one slot (see
`dagster_project/dagster.yaml`), and the code location uses the in-process executor, so the
dbt subprocess and the Python assets never hold the file at the same time.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import InitResourceContext
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from lifecrm import publish, settings
from lifecrm.orchestration import publish_pending
from lifecrm.warehouse_file import create_if_missing, duckdb_limits

WAREHOUSE_POOL = "duckdb_warehouse"
# dbt/profiles.yml opens this path when it is set, else the published warehouse.
DBT_WAREHOUSE_ENV = "LIFECRM_WAREHOUSE_PATH"


class WarehouseResource(DuckDBResource):
    """DuckDBResource on the run's working warehouse, in a storage format older readers open."""

    _run_database: str | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.dagster_run
        if run is not None:
            # a succeeded run the publish sensor has not published yet goes first: this run
            # starts from it rather than removing it as stale
            if not publish.working_path(run.run_id).exists():
                publish_pending(context.instance, run.run_id)
            self._run_database = str(publish.ensure_working(run.run_id))
        else:
            create_if_missing(settings.warehouse_path())
        super().setup_for_execution(context)

    @property
    def path(self) -> str:
        return self._run_database or self.database

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # DuckDBResource closes its connection only when the block succeeds: an asset that
        # raised would hold the file's lock until garbage collection, and the dbt step after it
        # would wait for the file in vain.
        connection = duckdb.connect(self.path, config=self.connection_config)
        try:
            yield connection
        finally:
            connection.close()

    @contextmanager
    def dbt_env(self) -> Iterator[None]:
        """Point the dbt subprocesses started in this block at the run's working file, through
        the fixed name `settings.dbt_run_link()`, a hard link to it (a symbolic one would not
        do: DuckDB names the database after the file a link resolves to). Only one warehouse
        step runs at a time (the writer pool), and each removes its link when dbt is done."""
        link = settings.dbt_run_link()
        link.parent.mkdir(parents=True, exist_ok=True)
        wal = link.with_name(f"{link.name}.wal")
        # a dbt killed mid-step leaves its log of the file it had open: never replay it here
        for stale in (link, wal):
            stale.unlink(missing_ok=True)
        try:
            os.link(self.path, link)
            dbt_path = str(link)
        except OSError:  # another file system: dbt opens the file itself (and parses in full)
            dbt_path = self.path
        previous = os.environ.get(DBT_WAREHOUSE_ENV)
        os.environ[DBT_WAREHOUSE_ENV] = dbt_path
        try:
            yield
        finally:
            if wal.exists():  # dbt left a log unapplied: the file's next opener replays it
                os.replace(wal, f"{self.path}.wal")
            link.unlink(missing_ok=True)
            if previous is None:
                os.environ.pop(DBT_WAREHOUSE_ENV, None)
            else:
                os.environ[DBT_WAREHOUSE_ENV] = previous


def warehouse_resource() -> WarehouseResource:
    return WarehouseResource(
        database=str(settings.warehouse_path()), connection_config=duckdb_limits()
    )
