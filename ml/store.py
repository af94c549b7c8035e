"""Write model outputs into the warehouse's `ml` schema."""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Replace `schema.table` with the frame's rows, in one transaction; returns the row count."""
    schema = table.split(".")[0]
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    con.execute(f"create schema if not exists {schema}")
    con.register("_frame", arrow)
    try:
        con.execute(f"create or replace table {table} as select * from _frame")
    finally:
        con.unregister("_frame")
    return arrow.num_rows
