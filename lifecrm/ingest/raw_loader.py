"""Load an export's files into `raw.<export>` with DuckDB's CSV reader, every column as text.

Each run rebuilds the raw table from every delivered batch, so loading is repeatable; load
metadata columns (prefixed `_`) record where each row came from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import duckdb

from lifecrm.db import quote_literal, scalar
from lifecrm.ingest.landing import ExportFile, LandingError


@dataclass(frozen=True)
class LoadResult:
    table: str
    rows: int
    files: int
    load_id: str


def load_export(con: duckdb.DuckDBPyConnection, export: str, files: list[ExportFile]) -> LoadResult:
    table = f"raw.{export}"
    load_id = uuid.uuid4().hex
    con.execute("create schema if not exists raw")
    con.execute("begin transaction")
    try:
        for position, file in enumerate(files):
            # The temp table keeps the reader's order, so the record's rank by rowid, plus one
            # for the header, is its line in the file (exact while no field spans lines).
            con.execute(
                f"create or replace temp table _landing as select * from read_csv("
                f"{quote_literal(str(file.path))}, header = true, all_varchar = true, "
                "encoding = 'utf-8')"
            )
            read = scalar(con, "select count(*) from _landing")
            if read != file.rows:
                raise LandingError(
                    f"{file.path}: read {read} rows but the manifest lists {file.rows}"
                )
            select = (
                "select *, "
                f"cast({quote_literal(file.batch_date.isoformat())} as date) as _batch_date, "
                f"{quote_literal(str(file.path))} as _source_file, "
                "cast(row_number() over (order by rowid) + 1 as bigint) as _source_line, "
                f"{quote_literal(load_id)} as _load_id, "
                "cast(current_timestamp as timestamp) as _loaded_at "
                "from _landing"
            )
            if position == 0:
                con.execute(f"create or replace table {table} as {select}")
            else:
                con.execute(f"insert into {table} by name {select}")
        con.execute("drop table if exists _landing")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    rows = scalar(con, f"select count(*) from {table}")
    return LoadResult(table=table, rows=rows, files=len(files), load_id=load_id)
