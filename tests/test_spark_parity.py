"""The same dbt project on Spark gives the same tables as on DuckDB.

A tiny world (with its planted defects) is built on DuckDB by `lifecrm run`; its inputs are
published as Parquet and the project is built on Spark by dbt-spark in session mode; every
mart, feature, strategic and tactical table is then compared, row count and an order-independent
checksum, reading Spark's Parquet output directly with DuckDB. Then, on a clean world, the next
day's batch: DuckDB takes it in incrementally, Spark rebuilds, and the tables must still agree.

Needs `pip install .[spark]` and a Java runtime; skipped without them. It takes a few minutes
(see docs/scaling-out.md); `make test` installs no pyspark, so there it is skipped. Run it with
`make test-spark` (or `pytest tests/test_spark_parity.py`).
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from conftest import lifecrm

from lifecrm.settings import PROJECT_ROOT
from lifecrm.spark_parity import build_on_spark, compare_warehouses, spark_warehouse_dir

PARITY_CUSTOMERS = 300


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    if importlib.util.find_spec("dbt.adapters.spark") is None:
        return "dbt-spark is not installed (pip install -e '.[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime on PATH (PySpark needs Java 17)"
    return None


def _built(data_dir: Path, *generate_args: str) -> Path:
    missing = _spark_missing()
    if missing:
        pytest.skip(missing)
    generated = lifecrm(data_dir, "generate", "--customers", str(PARITY_CUSTOMERS), *generate_args)
    assert generated.returncode == 0, generated.stderr
    run = lifecrm(data_dir, "run")
    assert run.returncode == 0, f"lifecrm run failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return data_dir


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A world with its planted defects: the repairs (full-width text, ROC dates) run on both."""
    return _built(tmp_path_factory.mktemp("parity"), "--seed", "7")


@pytest.fixture(scope="module")
def clean_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A world without defects, whose next day's batch loads (a defective one may be refused)."""
    return _built(tmp_path_factory.mktemp("parity-daily"), "--seed", "7", "--clean")


def _assert_same_tables(data_dir: Path, label: str, unit_tests: bool = False) -> dict[str, int]:
    started = time.monotonic()
    built = build_on_spark(data_dir, data_dir / "spark" / "dbt", unit_tests=unit_tests)
    assert built.returncode == 0, f"dbt build on Spark failed ({label}):\n{built.stdout[-4000:]}"
    print(f"{label}: Parquet export and dbt build on Spark in {time.monotonic() - started:.0f} s")
    compared, differences = compare_warehouses(
        data_dir / "warehouse" / "lifecrm.duckdb", spark_warehouse_dir(data_dir)
    )
    assert not differences, f"{label}: tables differ between DuckDB and Spark:\n" + "\n".join(
        str(difference) for difference in differences
    )
    # Every layer was compared, on tables that hold rows (two empty tables agree on anything).
    for table in (
        "marts.dim_customer",
        "marts.fct_premium_payments",
        "marts.fct_policy_months",
        "features.feat_policies",
        "strategic.crm_scorecard",
        "tactical.customer_360",
    ):
        assert compared.get(table, 0) > 0, f"{label}: {table} was not compared or is empty"
    assert len(compared) >= 35, sorted(compared)
    return compared


def test_spark_builds_the_same_tables(world: Path) -> None:
    # with the unit tests on Spark, among them the replay of deliveries by the snapshot's stand-in
    _assert_same_tables(world, "initial extract", unit_tests=True)
    # Nothing of Spark's lands outside the data directory (dbt-spark's Hive support would put a
    # metastore, a warehouse and derby.log in the working directory).
    assert (world / "spark" / "metastore_db").is_dir()
    assert (world / "spark" / "derby.log").is_file()
    strays = [
        name
        for name in ("derby.log", "metastore_db", "spark-warehouse")
        if (PROJECT_ROOT / name).exists()
    ]
    assert not strays, f"Spark state left in the project root (dbt's working directory): {strays}"


def test_spark_matches_after_an_incremental_day(clean_world: Path) -> None:
    # DuckDB builds the initial extract, then takes the next day in incrementally; Spark
    # rebuilds every table from the Parquet of both batches and must find the same rows.
    world = clean_world
    generated = lifecrm(world, "generate", "--next-day")
    assert generated.returncode == 0, generated.stderr
    run = lifecrm(world, "run")
    assert run.returncode == 0, f"lifecrm run failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    con = duckdb.connect(str(world / "warehouse" / "lifecrm.duckdb"), read_only=True)
    try:
        # DuckDB took the day in incrementally: its facts hold rows of the new batch
        new_rows = con.execute(
            "select (select count(*) from marts.fct_premium_payments where source_batch_date = d)"
            " + (select count(*) from marts.fct_interactions where source_batch_date = d)"
            " from (select max(batch_date) as d from raw.load_manifest)"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert new_rows > 0, "the next day delivered nothing the incremental facts took in"
    _assert_same_tables(world, "after the next day's batch")


def _tiny_pair(tmp_path: Path) -> tuple[Path, Path]:
    """A warehouse with one mart table, and a Spark-like folder of the same rows as Parquet."""
    warehouse = tmp_path / "w.duckdb"
    spark_dir = tmp_path / "spark"
    (spark_dir / "marts.db" / "dim_thing").mkdir(parents=True)
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_thing as select * from (values "
        "(1, 'a', 0.1 + 0.2, date '2025-01-01'), (2, 'b', 1.0, null), (2, 'b', 1.0, null)) "
        "as t(thing_id, thing_name, share, since)"
    )
    con.close()
    return warehouse, spark_dir


def _write_spark_table(spark_dir: Path, rows_sql: str) -> None:
    con = duckdb.connect()
    target = spark_dir / "marts.db" / "dim_thing" / "part-0.parquet"
    con.execute(f"copy ({rows_sql}) to '{target}' (format parquet)")
    con.close()


def test_the_comparison_sees_equal_rows_across_types_and_order(tmp_path: Path) -> None:
    warehouse, spark_dir = _tiny_pair(tmp_path)
    # Spark's types (bigint, decimal) and order differ; the doubles differ by summation noise.
    _write_spark_table(
        spark_dir,
        "select * from (values (cast(2 as bigint), 'b', cast(1.0 as decimal(10, 4)), null),"
        " (1, 'a', 0.3, date '2025-01-01'), (2, 'b', 1.0, null))"
        " as t(thing_id, thing_name, share, since)",
    )
    compared, differences = compare_warehouses(warehouse, spark_dir, schemas=("marts",))
    assert compared == {"marts.dim_thing": 3}
    assert differences == []


def test_the_comparison_names_the_table_and_the_rows_that_differ(tmp_path: Path) -> None:
    warehouse, spark_dir = _tiny_pair(tmp_path)
    # One duplicate row lost, one value changed: the counts and the checksum both catch it.
    _write_spark_table(
        spark_dir,
        "select * from (values (1, 'a', 0.31, date '2025-01-01'), (2, 'b', 1.0, null))"
        " as t(thing_id, thing_name, share, since)",
    )
    _, differences = compare_warehouses(warehouse, spark_dir, schemas=("marts",))
    assert len(differences) == 1
    report = str(differences[0])
    assert report.startswith("marts.dim_thing: DuckDB 3 rows, Spark 2 rows")
    assert "only on DuckDB: 1 | a | 0.3 | 2025-01-01" in report
    assert "only on DuckDB: 2 | b | 1.0 | ∅" in report
    assert "only on Spark:  1 | a | 0.31 | 2025-01-01" in report
