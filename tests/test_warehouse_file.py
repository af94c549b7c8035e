"""The warehouse file: created once even when processes race, read only when no writer holds it."""

from __future__ import annotations

import subprocess
import sys
import time

from lifecrm.warehouse_file import connect_read_only, create_if_missing

HOLD_WRITER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("create or replace table t as select 42 as answer")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_create_if_missing_leaves_one_file_and_no_scratch(tmp_path):
    path = tmp_path / "warehouse" / "lifecrm.duckdb"
    create_if_missing(path)
    create_if_missing(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["lifecrm.duckdb"]


def test_a_reader_waits_while_another_process_writes(tmp_path):
    path = tmp_path / "lifecrm.duckdb"
    create_if_missing(path)
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(path), "2"], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline().strip() == "holding"
    started = time.monotonic()
    con = connect_read_only(path, wait_seconds=30)
    waited = time.monotonic() - started
    try:
        assert con.execute("select answer from t").fetchall() == [(42,)]
    finally:
        con.close()
        writer.wait(timeout=30)
    assert waited > 0.5  # it really had to wait for the writer to let go
