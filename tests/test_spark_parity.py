"""The same dbt project on Spark gives the same tables as on DuckDB.

Two worlds the rest of the suite builds on DuckDB anyway (tests/conftest.py) are built again on
Spark, by dbt-spark in session mode, from their inputs published as Parquet; every mart,
feature, strategic and tactical table is then compared, row count and an order-independent
checksum, reading Spark's Parquet output directly with DuckDB:
- the initial extract of a world with its planted defects (the repairs run on both engines), by
  `dbt build --target spark`;
- a clean world built day by day, whose incremental facts DuckDB took in a batch at a time and
  Spark rebuilds whole, through Dagster's asset graph with its dbt steps on Spark
  (`LIFECRM_DBT_TARGET=spark`): the models in between train on the features Spark built, and
  dbt's unit tests run on Spark.

Needs `pip install .[spark]` and a Java runtime. Skipped without them, except under `make test`
(`LIFECRM_REQUIRE_SPARK=1`), which installs both and where a missing one fails.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from conftest import BuiltWorld

from lifecrm.publish import working_path
from lifecrm.settings import PROJECT_ROOT, spark_warehouse_dir
from lifecrm.spark_parity import build_on_spark, compare_warehouses
from lifecrm.spark_run import run_through_dagster

# a table of every layer, each with rows (two empty tables agree on anything)
MUST_HOLD_ROWS = (
    "marts.dim_customer",
    "marts.fct_premium_payments",
    "marts.fct_policy_months",
    "features.feat_policies",
    "strategic.crm_scorecard",
    "tactical.customer_360",
)


@pytest.fixture(scope="session")
def spark_installed() -> None:
    """Skip (or, under `make test`, fail) before any world is built when Spark cannot run."""
    missing = None
    if importlib.util.find_spec("pyspark") is None:
        missing = "pyspark is not installed (pip install -e '.[spark]')"
    elif importlib.util.find_spec("dbt.adapters.spark") is None:
        missing = "dbt-spark is not installed (pip install -e '.[spark]')"
    elif shutil.which("java") is None:
        missing = "no Java runtime on PATH (PySpark needs Java 17)"
    if missing and os.environ.get("LIFECRM_REQUIRE_SPARK") == "1":
        pytest.fail(f"{missing}: `make test` installs it")
    if missing:
        pytest.skip(missing)


def _assert_same_tables(warehouse: Path, spark_dir: Path, label: str) -> dict[str, int]:
    compared, differences = compare_warehouses(warehouse, spark_dir)
    assert not differences, f"{label}: tables differ between DuckDB and Spark:\n" + "\n".join(
        str(difference) for difference in differences
    )
    for table in MUST_HOLD_ROWS:
        assert compared.get(table, 0) > 0, f"{label}: {table} was not compared or is empty"
    assert len(compared) >= 35, sorted(compared)
    return compared


def test_spark_builds_the_same_tables(spark_installed, built_defective_world: BuiltWorld) -> None:
    world = built_defective_world.data_dir
    started = time.monotonic()
    built = build_on_spark(world, world / "spark" / "dbt")  # the unit tests run in the next test
    assert built.returncode == 0, f"dbt build on Spark failed:\n{built.stdout[-4000:]}"
    seconds = time.monotonic() - started
    print(f"initial extract: Parquet export and dbt build on Spark in {seconds:.0f} s")
    _assert_same_tables(
        built_defective_world.warehouse, spark_warehouse_dir(world), "initial extract"
    )
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


def test_dagster_on_spark_matches_after_incremental_days(
    spark_installed, built_daily_world: Path
) -> None:
    world = built_daily_world
    warehouse = world / "warehouse" / "lifecrm.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # DuckDB took the later days in incrementally: its facts hold rows of the later batches
        later_rows = con.execute(
            "select (select count(*) from marts.fct_premium_payments where source_batch_date > d)"
            " + (select count(*) from marts.fct_interactions where source_batch_date > d)"
            " from (select min(batch_date) as d from raw.load_manifest)"
        ).fetchall()[0][0]
        trained = con.execute("select count(*) from ml.model_registry").fetchall()[0][0]
    finally:
        con.close()
    assert later_rows > 0, "the daily batches delivered nothing the incremental facts took in"

    started = time.monotonic()
    run = run_through_dagster(world)
    assert run.returncode == 0, (
        f"Dagster on Spark failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    )
    print(
        f"after {len(list((world / 'landing').iterdir()))} batches: Dagster on Spark in "
        f"{time.monotonic() - started:.0f} s"
    )
    run_id = re.search(r"^run (\S+): ", run.stdout, re.MULTILINE).group(1)
    # dbt's unit tests ran on Spark in the run's dbt steps (data tests are checks, left out),
    # among them the replay of deliveries by the snapshot's stand-in
    finished = re.findall(r"^Finished running .*?(\d+) unit tests", run.stdout + run.stderr, re.M)
    unit_tests = sum(map(int, finished))
    assert unit_tests >= 5, "dbt's unit tests did not run on Spark"
    # Spark's tables equal those DuckDB built (the published warehouse: the Spark run is not
    # published), strategic and tactical included, which read what the models scored in that
    # run from Spark's features.
    _assert_same_tables(warehouse, spark_warehouse_dir(world), "after the daily batches")
    # The run's own warehouse holds what Spark built, where its models read their features,
    # and the models trained again there.
    spark_run_warehouse = working_path(run_id, world)
    _assert_same_tables(
        spark_run_warehouse, spark_warehouse_dir(world), "the Spark run's warehouse"
    )
    con = duckdb.connect(str(spark_run_warehouse), read_only=True)
    try:
        retrained = con.execute("select count(*) from ml.model_registry").fetchall()[0][0]
    finally:
        con.close()
    assert retrained > trained, "the models did not train in the run on Spark"


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


def test_the_comparison_pairs_doubles_that_straddle_a_rounding_boundary(tmp_path: Path) -> None:
    warehouse, spark_dir = _tiny_pair(tmp_path)
    con = duckdb.connect(str(warehouse))
    con.execute("alter table marts.dim_thing alter share type double")
    con.execute("update marts.dim_thing set share = 9353596.4525645 where thing_id = 1")
    con.close()
    # ...56450 and ...56440 round to ...565 and ...564 (the sixth decimal): the same value
    _write_spark_table(
        spark_dir,
        "select * from (values (1, 'a', 9353596.452564, date '2025-01-01'), (2, 'b', 1.0, null),"
        " (2, 'b', 1.0, null)) as t(thing_id, thing_name, share, since)",
    )
    assert compare_warehouses(warehouse, spark_dir, schemas=("marts",))[1] == []
    # two units of the sixth decimal apart is a difference
    _write_spark_table(
        spark_dir,
        "select * from (values (1, 'a', 9353596.452563, date '2025-01-01'), (2, 'b', 1.0, null),"
        " (2, 'b', 1.0, null)) as t(thing_id, thing_name, share, since)",
    )
    _, differences = compare_warehouses(warehouse, spark_dir, schemas=("marts",))
    assert [difference.table for difference in differences] == ["marts.dim_thing"]
