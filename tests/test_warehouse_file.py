"""The warehouse file: created once even when processes race, read only when no writer holds it."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time

import duckdb
import pytest

from lifecrm import pii_key, settings
from lifecrm.db import scalar
from lifecrm.dbt_cli import run_dbt
from lifecrm.warehouse_file import (
    MEMORY_LIMIT_ENV,
    TEMP_DIRECTORY_ENV,
    THREADS_ENV,
    connect_read_only,
    create_if_missing,
    duckdb_limits,
)

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


SETTINGS = ["memory_limit", "threads", "temp_directory"]


def dbt_sees(data_dir) -> dict[str, str]:
    """DuckDB's settings as dbt's connection to data_dir's warehouse has them."""
    shown = run_dbt(
        ["--quiet", "show", "--output", "json", "--inline",
         "select " + ", ".join(f"current_setting('{name}') as {name}" for name in SETTINGS)],
        data_dir=data_dir, artefacts=data_dir / "dbt",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stdout[-3000:]
    return {name: str(value) for name, value in json.loads(shown.stdout)["show"][0].items()}


def lifecrm_sees() -> dict[str, str]:
    """The same settings on a connection lifecrm's own code opens."""
    con = duckdb.connect(config=duckdb_limits())
    try:
        return {name: str(scalar(con, f"select current_setting('{name}')")) for name in SETTINGS}
    finally:
        con.close()


@pytest.mark.parametrize(
    "configured",
    [{}, {MEMORY_LIMIT_ENV: "700MB", THREADS_ENV: "1", TEMP_DIRECTORY_ENV: "spill-here"}],
    ids=["defaults", "from-the-environment"],
)
def test_dbt_and_lifecrm_bound_duckdb_alike(tmp_path, monkeypatch, configured):
    """dbt's profile and lifecrm's connections take the same memory limit, threads and spill
    directory, by default (under the data directory) and from the environment."""
    (tmp_path / "warehouse").mkdir()
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(pii_key.KEY_ENV, secrets.token_hex(32))
    for name in (MEMORY_LIMIT_ENV, THREADS_ENV, TEMP_DIRECTORY_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in configured.items():
        monkeypatch.setenv(name, str(tmp_path / value) if name == TEMP_DIRECTORY_ENV else value)
    seen = lifecrm_sees()
    assert dbt_sees(tmp_path) == seen
    if configured:
        assert seen["memory_limit"].startswith("667")  # 700 MB, as DuckDB prints it in MiB
        assert seen["threads"] == "1"
        assert seen["temp_directory"] == str(tmp_path / "spill-here")
    else:
        assert seen["memory_limit"].startswith("1.8")  # 2 GB, as DuckDB prints it in GiB
        assert seen["threads"] == "2"
        assert seen["temp_directory"] == str(tmp_path / "duckdb_tmp")


def test_dbt_spills_past_its_memory_limit_into_the_data_directory(tmp_path, monkeypatch):
    """A query larger than the memory limit completes, spilling where the profile says: a
    spill folder DuckDB cannot create (its parent missing) would fail it."""
    (tmp_path / "warehouse").mkdir()
    monkeypatch.setenv(pii_key.KEY_ENV, secrets.token_hex(32))
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "64MB")
    monkeypatch.delenv(TEMP_DIRECTORY_ENV, raising=False)
    sorted_rows = run_dbt(
        ["--quiet", "show", "--output", "json", "--inline",
         "select count(distinct digest) as digests from "
         "(select md5(cast(i as varchar)) as digest from range(3000000) as t(i) order by 1)"],
        data_dir=tmp_path, artefacts=tmp_path / "dbt",
    )  # fmt: skip
    assert sorted_rows.returncode == 0, sorted_rows.stdout[-3000:]
    assert json.loads(sorted_rows.stdout)["show"] == [{"digests": 3_000_000}]
