"""Publish the warehouse's inputs as Parquet, for a Spark deployment (`dbt --target spark`).

Spark never opens the DuckDB file: it reads what a real deployment would land in object storage.
Each raw export goes out as its accepted rows only (those validation did not quarantine, as the
`accepted_rows` macro selects them on DuckDB), partitioned by `_batch_date`; with it go the load
manifest (the as-of date comes from it) and the ml schema's model outputs, which the strategic
and tactical models read. Layout: `<root>/<schema>/<table>/[_batch_date=YYYY-MM-DD/]*.parquet`,
which dbt's `register_parquet_sources` macro declares as external tables on Spark.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from lifecrm import settings
from lifecrm.db import quote_literal, table_exists

# raw tables that are bookkeeping rather than exports (row_accounting is not read by dbt)
RAW_BOOKKEEPING = {"load_manifest", "row_accounting"}
EMPTY_BATCH = "1900-01-01"


PARQUET_DIR_ENV = "LIFECRM_PARQUET_DIR"  # the same root dbt's register_parquet_sources reads


def parquet_dir() -> Path:
    """Where the Parquet inputs of Spark live: $LIFECRM_PARQUET_DIR, else `<data dir>/parquet`."""
    configured = os.environ.get(PARQUET_DIR_ENV)
    return Path(configured) if configured else settings.data_dir() / "parquet"


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
        [schema],
    ).fetchall()
    return [name for (name,) in rows]


def _export_query(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[str, bool]:
    """The rows to publish and whether they are partitioned by batch date."""
    if schema == "raw" and table not in RAW_BOOKKEEPING:
        accepted = f"select delivered.* from raw.{table} as delivered"
        if table_exists(con, "quarantine", table):
            accepted += (
                f" where not exists (select 1 from quarantine.{table} as refused"
                " where refused._source_file = delivered._source_file"
                " and refused._source_line = delivered._source_line)"
            )
        return accepted, True
    return f"select * from {schema}.{table}", False


def _replace_dir(staged: Path, target: Path) -> None:
    """Swap a fully written folder in, so a reader never sees a half-written table."""
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def export_parquet(
    warehouse: Path, root: Path, schemas: tuple[str, ...] = ("raw", "ml")
) -> dict[str, int]:
    """Write every table of `schemas` in the warehouse to `root`; return rows per `schema.table`."""
    written: dict[str, int] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for schema in schemas:
            for table in _tables(con, schema):
                query, partitioned = _export_query(con, schema, table)
                rows = con.execute(f"select count(*) from ({query})").fetchall()[0][0]
                staged = root / schema / f".{table}.new-{uuid.uuid4().hex}"
                staged.mkdir(parents=True)
                if partitioned and rows:
                    destination, options = staged, "format parquet, partition_by (_batch_date)"
                elif partitioned:
                    # No rows, so no partition folder to read a schema from: an empty file in
                    # a partition no batch has, so Spark still sees the table's columns.
                    query = f"select * exclude (_batch_date) from ({query})"
                    destination, options = staged / f"_batch_date={EMPTY_BATCH}", "format parquet"
                    destination.mkdir()
                    destination = destination / "part-0.parquet"
                else:
                    destination, options = staged / "part-0.parquet", "format parquet"
                con.execute(f"copy ({query}) to {quote_literal(str(destination))} ({options})")
                _replace_dir(staged, root / schema / table)
                written[f"{schema}.{table}"] = rows
    finally:
        con.close()
    return written
