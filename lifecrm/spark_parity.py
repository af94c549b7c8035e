"""The same dbt project on Spark, and whether it gives the same tables as on DuckDB.

`build_on_spark` publishes the DuckDB warehouse's inputs as Parquet (lifecrm/parquet_export.py)
and runs `dbt build --target spark` on them in a local SparkSession (dbt-spark's session mode,
`pip install .[spark]`); every bit of Spark state stays under the data directory.
`compare_warehouses` then reads Spark's Parquet output directly with DuckDB and compares each
table with the warehouse's own: row count and an order-independent checksum of the rows, with
a sample of the rows that differ.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lifecrm.db import quote_literal
from lifecrm.dbt_cli import run_dbt
from lifecrm.parity_rows import unpaired
from lifecrm.parquet_export import export_parquet
from lifecrm.settings import spark_warehouse_dir

# the layers whose tables must come out the same on both engines
COMPARED_SCHEMAS = ("marts", "features", "strategic", "tactical")
# Doubles are summed in another order on each engine, and Spark averages decimals into six
# places where DuckDB averages in doubles: compare them to this many decimals, after a nudge far
# above summation noise and far below the last decimal kept, so that a value on a rounding
# boundary (768.3231875 summed as ...74999 or ...75001) rounds alike. The nudge is relative
# (1e-12) up to an absolute 1e-8: a relative one alone reaches the sixth decimal on values of a
# million (619743.5897435897 and Spark's 619743.589744 must both round to ...744).
DOUBLE_DECIMALS = 6
DOUBLE_NUDGE = 1e-12
DOUBLE_NUDGE_MAX = 1e-8
NULL_MARK = "∅"
# rows left over by the exact comparison that are paired up within the tolerance (more means a
# real difference, reported from these)
PAIRED = 10_000


def build_on_spark(
    data_dir: Path, artefacts: Path, *, unit_tests: bool = False
) -> subprocess.CompletedProcess:
    """Publish the warehouse's inputs as Parquet, then build every model on Spark.

    Data tests are left to the DuckDB build (the same tests, run once): on Spark each is a job of
    its own and the 365 of them would take minutes. The unit tests (hand-made rows through the
    trickiest models, and Spark's snapshot stand-in) run when asked.
    """
    export_parquet(data_dir / "warehouse" / "lifecrm.duckdb", data_dir / "parquet")
    excluded = ["test"] if unit_tests else ["test", "unit_test"]
    return run_dbt(
        ["build", "--target", "spark", "--exclude-resource-type", *excluded],
        data_dir=data_dir,
        artefacts=artefacts,
    )


@dataclass
class TableDifference:
    table: str
    duckdb_rows: int
    spark_rows: int
    only_in_duckdb: list[str] = field(default_factory=list)
    only_in_spark: list[str] = field(default_factory=list)
    problem: str = ""

    def __str__(self) -> str:
        lines = [f"{self.table}: DuckDB {self.duckdb_rows} rows, Spark {self.spark_rows} rows"]
        if self.problem:
            lines.append(f"  {self.problem}")
        lines += [f"  only on DuckDB: {row}" for row in self.only_in_duckdb]
        lines += [f"  only on Spark:  {row}" for row in self.only_in_spark]
        return "\n".join(lines)


def _is_double(type_: str) -> bool:
    """Compared to DOUBLE_DECIMALS: doubles, and decimals (whose scale differs per engine)."""
    type_ = type_.upper()
    return type_ in {"DOUBLE", "FLOAT", "REAL"} or type_.startswith("DECIMAL")


def _normalised(column: str, type_: str) -> str:
    """A column as text that is the same on both engines whatever type each gave it."""
    quoted = f'"{column}"'
    type_ = type_.upper()
    if _is_double(type_):
        value = f"cast({quoted} as double)"
        nudge = f"least(abs({value}) * {DOUBLE_NUDGE}, {DOUBLE_NUDGE_MAX})"
        nudged = f"{value} + sign({value}) * {nudge}"
        text = f"cast(round({nudged}, {DOUBLE_DECIMALS}) + 0.0 as varchar)"  # + 0.0: no -0.0
    elif type_ in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER"}:
        text = f"cast(cast({quoted} as bigint) as varchar)"
    else:
        text = f"cast({quoted} as varchar)"
    return f"coalesce({text}, '{NULL_MARK}')"


def _rows_sql(relation: str, columns: list[tuple[str, str]]) -> str:
    parts = " || chr(31) || ".join(_normalised(name, type_) for name, type_ in columns)
    return f"select {parts} as row_text from {relation}"


def _tables(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in schemas)
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = 'warehouse' and table_schema in ({placeholders}) "
        "and table_type = 'BASE TABLE' order by 1, 2",
        list(schemas),
    ).fetchall()


def compare_warehouses(
    warehouse: Path, spark_dir: Path, schemas: tuple[str, ...] = COMPARED_SCHEMAS, sample: int = 5
) -> tuple[dict[str, int], list[TableDifference]]:
    """Compare every table of `schemas`; return the tables compared (with their rows on DuckDB)
    and those that differ."""
    con = duckdb.connect()
    con.execute(f"attach {quote_literal(str(warehouse))} as warehouse (read_only)")
    compared: dict[str, int] = {}
    differences: list[TableDifference] = []
    try:
        for schema, table in _tables(con, schemas):
            name = f"{schema}.{table}"
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'warehouse' and table_schema = ? and table_name = ? "
                "order by ordinal_position",
                [schema, table],
            ).fetchall()
            files = spark_dir / f"{schema}.db" / table
            if not files.is_dir():
                differences.append(TableDifference(name, -1, -1, problem=f"no Spark table {files}"))
                continue
            spark = f"read_parquet({quote_literal(str(files / '*.parquet'))})"
            spark_columns = {
                row[0].lower() for row in con.execute(f"describe select * from {spark}").fetchall()
            }
            missing = [c for c, _ in columns if c.lower() not in spark_columns]
            if missing:
                differences.append(
                    TableDifference(name, -1, -1, problem=f"columns missing on Spark: {missing}")
                )
                continue
            duck_rows = _rows_sql(f'warehouse."{schema}"."{table}"', columns)
            spark_rows = _rows_sql(spark, columns)
            summary = con.execute(
                f"select (select count(*) from ({duck_rows})),"
                f" (select count(*) from ({spark_rows})),"
                f" (select sum(hash(row_text)) from ({duck_rows})),"
                f" (select sum(hash(row_text)) from ({spark_rows}))"
            ).fetchall()[0]
            compared[name] = summary[0]
            if summary[0] == summary[1] and summary[2] == summary[3]:
                continue

            def only(left: str, right: str) -> list[str]:
                rows = con.execute(
                    f"select row_text from ({left} except all {right}) order by 1 limit {PAIRED}"
                ).fetchall()
                return [row for (row,) in rows]

            doubles = {i for i, (_, type_) in enumerate(columns) if _is_double(type_)}
            only_duckdb, only_spark = unpaired(
                only(duck_rows, spark_rows), only(spark_rows, duck_rows), doubles
            )
            if summary[0] == summary[1] and not only_duckdb and not only_spark:
                continue  # the same rows, doubles within the last decimal kept

            def shown(rows: list[str]) -> list[str]:
                return [row.replace(chr(31), " | ") for row in sorted(rows)[:sample]]

            differences.append(
                TableDifference(
                    name,
                    summary[0],
                    summary[1],
                    only_in_duckdb=shown(only_duckdb),
                    only_in_spark=shown(only_spark),
                )
            )
    finally:
        con.close()
    return compared, differences


def main(argv: list[str] | None = None) -> int:
    """`python -m lifecrm.spark_parity`: build the data directory's project on Spark, compare."""
    import argparse

    from lifecrm import settings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: lifecrm's")
    args = parser.parse_args(argv)
    data_dir = (args.data_dir or settings.data_dir()).resolve()
    built = build_on_spark(data_dir, data_dir / "spark" / "dbt")
    if built.returncode != 0:
        print(built.stdout[-4000:])
        return 1
    compared, differences = compare_warehouses(
        data_dir / "warehouse" / settings.WAREHOUSE_FILE, spark_warehouse_dir(data_dir)
    )
    for difference in differences:
        print(difference)
    print(f"{len(compared)} tables compared, {len(differences)} differ between DuckDB and Spark")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
