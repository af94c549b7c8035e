"""Copy the tables a dbt step built on Spark into the run's DuckDB warehouse.

On the spark target (docs/scaling-out.md) dbt builds on Spark, while the rest of the graph reads
the DuckDB warehouse: the models read their features there, the reports and front-line exports
read the strategic and tactical tables, and the publish writes that file and its Parquet. So a
dbt step on Spark ends by reading each table it built from Spark's Parquet (DuckDB's
`read_parquet`) into the run's working copy, which then holds what Spark built.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from lifecrm.db import quote_literal

# The layers read downstream of dbt (by the models, the reports, the publish and BI readers).
# `snapshots` stays DuckDB's own: on Spark a model replays it, and the DuckDB snapshot keeps its
# history for the day the warehouse builds on DuckDB again.
MIRRORED_SCHEMAS = ("marts", "pii", "features", "strategic", "tactical")


def mirror_tables(
    con: duckdb.DuckDBPyConnection, spark_dir: Path, tables: Iterable[tuple[str, str]]
) -> dict[str, int]:
    """Replace each `(schema, table)` of the mirrored layers that Spark stored (views store
    nothing) with Spark's rows; return rows per `schema.table`."""
    mirrored: dict[str, int] = {}
    for schema, table in sorted(set(tables)):
        folder = spark_dir / f"{schema}.db" / table
        if schema not in MIRRORED_SCHEMAS or not folder.is_dir():
            continue
        files = quote_literal(str(folder / "*.parquet"))
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(
            f'create or replace table "{schema}"."{table}" as select * from read_parquet({files})'
        )
        rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
        mirrored[f"{schema}.{table}"] = rows
    return mirrored
