"""The published warehouse opens in DuckDB readers other than the writing one: DuckDB 1.1.3,
the oldest the storage version promises (installed by `make test` in a venv of its own, as a
BI tool embeds its own DuckDB), and the duckdb 1.5 shell; its Parquet files read back."""

from __future__ import annotations

import json
import subprocess

import duckdb
import pyarrow.parquet as pq
from conftest import BIN

from lifecrm.settings import PROJECT_ROOT

OLD_DUCKDB = "1.1.3"
OLD_READER = PROJECT_ROOT / ".venv" / "readers" / f"duckdb-{OLD_DUCKDB}" / "bin" / "python"
QUERY = (
    "select product_type, sum(policies_in_force)::bigint as policies, "
    "round(sum(annualised_premium_in_force_twd), 2)::double as premium "
    "from strategic.inforce_premium_by_product group by 1 order by 1"
)
READ_WITH_OLD = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(json.dumps({"version": duckdb.__version__, "rows": con.execute(sys.argv[2]).fetchall()}))
"""


def test_duckdb_1_1_reads_a_strategic_table_as_the_writer_does(built_world):
    assert OLD_READER.exists(), (
        f"expected DuckDB {OLD_DUCKDB}'s venv at {OLD_READER.parent.parent}; found none: "
        "run `make old-reader` (`make test` does)"
    )
    done = subprocess.run(
        [str(OLD_READER), "-c", READ_WITH_OLD, str(built_world.warehouse), QUERY],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["version"] == OLD_DUCKDB
    con = built_world.connect()
    try:
        expected = [list(row) for row in con.execute(QUERY).fetchall()]
        assert duckdb.__version__.startswith("2.")  # the writer is another version
    finally:
        con.close()
    assert result["rows"] == expected and len(expected) > 1


def test_the_duckdb_shell_reads_the_published_parquet(built_world):
    parquet = built_world.data_dir / "warehouse" / "parquet"
    tables = sorted(p.relative_to(parquet).as_posix() for p in parquet.glob("*/*.parquet"))
    assert "strategic/inforce_premium_by_product.parquet" in tables
    assert "tactical/lapse_risk_worklist.parquet" in tables
    con = built_world.connect()
    try:
        rows = con.execute("select count(*) from tactical.lapse_risk_worklist").fetchall()[0][0]
    finally:
        con.close()
    assert pq.read_table(parquet / "tactical" / "lapse_risk_worklist.parquet").num_rows == rows
    shell = subprocess.run(
        [str(BIN / "duckdb"), "-csv", "-noheader", "-c",
         f"select count(*) from '{parquet}/tactical/lapse_risk_worklist.parquet'"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert shell.returncode == 0, shell.stderr
    assert int(shell.stdout.strip()) == rows


def test_the_old_reader_refuses_a_file_duckdb_2_writes_by_default(tmp_path):
    # what the storage compatibility version buys: without it, DuckDB 1.1 cannot open the file
    path = tmp_path / "default.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t as select 1 as one")
    con.close()
    done = subprocess.run(
        [str(OLD_READER), "-c", READ_WITH_OLD, str(path), "select * from t"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "version" in done.stderr.lower()


def test_every_published_layer_is_also_parquet_with_its_rows(built_world):
    """Each table of marts, features, ml, strategic and tactical is published as Parquet with the
    rows the DuckDB file holds; the direct identifiers (`pii`) and the loading layers are not."""
    parquet = built_world.data_dir / "warehouse" / "parquet"
    con = built_world.connect()
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        counts = {
            f"{schema}/{table}.parquet": con.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchall()[0][0]
            for schema, table in tables
            if schema in ("marts", "features", "ml", "strategic", "tactical")
        }
    finally:
        con.close()
    assert {name.split("/")[0] for name in counts} == {
        "marts", "features", "ml", "strategic", "tactical"
    }  # fmt: skip
    assert "marts/dim_customer.parquet" in counts and "ml/policy_lapse_scores.parquet" in counts
    published = {p.relative_to(parquet).as_posix() for p in parquet.glob("*/*.parquet")}
    assert published == set(counts)  # nothing else: no pii, raw, quarantine or staging
    for name, rows in counts.items():
        assert pq.read_metadata(parquet / name).num_rows == rows, name
    assert sum(counts.values()) > 0
