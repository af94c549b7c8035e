"""The publish mechanics on small DuckDB files: a run's working copy replaces the published
warehouse whole or not at all; readers keep the version they opened; a killed run leaves the
published file untouched and the next run succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq
import pytest

from lifecrm import publish

READER = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
def version():
    # both tables of one version agree; a half-built warehouse would show two versions
    return con.execute(
        "select (select list(distinct v) from strategic.a), "
        "(select list(distinct v) from tactical.b)"
    ).fetchall()[0]
print("opened", version(), flush=True)
sys.stdin.readline()  # the test publishes meanwhile
print("same connection", version(), flush=True)
con.close()
con = duckdb.connect(sys.argv[1], read_only=True)
print("reopened", version(), flush=True)
"""

KILLED_WRITER = """
import duckdb, sys
from lifecrm import publish
from pathlib import Path
working = publish.ensure_working(sys.argv[1], Path(sys.argv[2]))
con = duckdb.connect(str(working))
con.execute("create or replace table strategic.a as select 99 as v from range(100000)")
print("writing", flush=True)
sys.stdin.readline()  # killed here, with the write in the WAL and the file open
"""


def build_version(data_dir, run_id: str, version: int, rows: int = 1000) -> None:
    """A run's working copy holding `version` in a strategic and a tactical table."""
    working = publish.ensure_working(run_id, data_dir)
    con = duckdb.connect(str(working))
    try:
        con.execute("create schema if not exists strategic; create schema if not exists tactical")
        con.execute(
            f"create or replace table strategic.a as select {version} as v from range({rows})"
        )
        con.execute(
            f"create or replace table tactical.b as select {version} as v from range({rows})"
        )
    finally:
        con.close()


def published_version(data_dir) -> int:
    con = duckdb.connect(str(data_dir / "warehouse" / "lifecrm.duckdb"), read_only=True)
    try:
        return con.execute("select max(v) from strategic.a").fetchall()[0][0]
    finally:
        con.close()


def test_a_publish_swaps_in_the_whole_file_and_its_parquet(tmp_path):
    build_version(tmp_path, "run1", 1)
    done = publish.publish("run1", tmp_path)
    assert done.published, done.reason
    warehouse = tmp_path / "warehouse"
    assert published_version(tmp_path) == 1
    assert not (warehouse / "lifecrm.duckdb.wal").exists()
    assert list((warehouse / "work").iterdir()) == []  # working file, base and lock all gone
    table = pq.read_table(warehouse / "parquet" / "tactical" / "b.parquet")
    assert table.num_rows == 1000 and set(table.column("v").to_pylist()) == {1}
    # the next run starts from the published version and replaces it
    build_version(tmp_path, "run2", 2)
    assert published_version(tmp_path) == 1  # untouched while run2 works
    assert publish.publish("run2", tmp_path).published
    assert published_version(tmp_path) == 2
    assert set(
        pq.read_table(warehouse / "parquet" / "strategic" / "a.parquet")["v"].to_pylist()
    ) == {2}


def test_the_layers_readers_use_are_parquet_and_pii_and_raw_are_not(tmp_path):
    working = publish.ensure_working("run1", tmp_path)
    con = duckdb.connect(str(working))
    try:
        for schema in ("raw", "pii", "staging", "marts", "features", "ml", "strategic"):
            con.execute(f"create schema {schema}")
            con.execute(f"create table {schema}.t as select range as v from range(7)")
        con.execute("create view marts.v as select * from marts.t")
    finally:
        con.close()
    assert publish.publish("run1", tmp_path).published
    parquet = tmp_path / "warehouse" / "parquet"
    published = sorted(p.relative_to(parquet).as_posix() for p in parquet.rglob("*.parquet"))
    assert published == ["features/t.parquet", "marts/t.parquet", "ml/t.parquet",
                         "strategic/t.parquet"]  # fmt: skip
    assert all(pq.read_table(parquet / p).num_rows == 7 for p in published)


def test_a_reader_open_across_a_publish_sees_one_version_then_the_next(tmp_path):
    build_version(tmp_path, "run1", 1, rows=200_000)
    assert publish.publish("run1", tmp_path).published
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(tmp_path / "warehouse" / "lifecrm.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout.readline().strip() == "opened ([1], [1])"
        build_version(tmp_path, "run2", 2, rows=200_000)  # while the reader holds the file
        assert publish.publish("run2", tmp_path).published
        reader.stdin.write("go\n")
        reader.stdin.flush()
        out, err = reader.communicate(timeout=60)
    finally:
        reader.kill()
    assert reader.returncode == 0, err
    assert out.splitlines() == ["same connection ([1], [1])", "reopened ([2], [2])"]


def test_a_killed_run_leaves_the_published_file_and_the_next_run_succeeds(tmp_path):
    build_version(tmp_path, "good", 1)
    assert publish.publish("good", tmp_path).published
    published = tmp_path / "warehouse" / "lifecrm.duckdb"
    before = published.read_bytes()
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, "killed", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert writer.stdout.readline().strip() == "writing"
    # while the killed run's process lives, its working file is in use and stays
    build_version(tmp_path, "concurrent", 3)
    assert publish.working_path("killed", tmp_path).exists()
    publish.release("concurrent", tmp_path)
    for path in (tmp_path / "warehouse" / "work").glob("concurrent.*"):
        path.unlink()
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    assert published.read_bytes() == before
    leftovers = sorted(p.name for p in (tmp_path / "warehouse" / "work").iterdir())
    assert "killed.duckdb" in leftovers and "killed.lock" in leftovers
    build_version(tmp_path, "next", 2)  # starts by removing what the killed run left
    assert not any(
        p.name.startswith("killed.") for p in (tmp_path / "warehouse" / "work").iterdir()
    )
    assert publish.publish("next", tmp_path).published
    assert published_version(tmp_path) == 2


def test_a_run_started_before_another_publish_is_not_published_over_it(tmp_path):
    build_version(tmp_path, "early", 1)
    build_version(tmp_path, "late", 2)  # started from the same (empty) published state
    assert publish.publish("late", tmp_path).published
    done = publish.publish("early", tmp_path)
    assert not done.published and "another run published" in done.reason
    assert published_version(tmp_path) == 2


def test_a_type_old_readers_cannot_decode_is_refused_by_name(tmp_path):
    build_version(tmp_path, "run1", 1)
    con = duckdb.connect(str(publish.working_path("run1", tmp_path)))
    con.execute("create table tactical.stamped as select now()::timestamptz_ns as at")
    con.close()
    with pytest.raises(publish.PublishError, match=r"tactical\.stamped\.at is TIMESTAMPTZ_NS"):
        publish.publish("run1", tmp_path)
    assert not (tmp_path / "warehouse" / "lifecrm.duckdb").exists()
