"""A `lifecrm run` killed while it writes publishes nothing; the next run (here a one-day
`lifecrm backfill`) removes what it left and publishes."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from conftest import BIN, TWO_EXPORTS, lifecrm


def test_a_killed_run_is_followed_by_a_clean_one(tmp_path):
    assert (
        lifecrm(tmp_path, "generate", "--customers", "300", "--seed", "7", "--clean").returncode
        == 0
    )
    env = {**os.environ, "LIFECRM_DATA_DIR": str(tmp_path)}
    env.pop("DAGSTER_HOME", None)
    env.pop("DBT_TARGET_PATH", None)
    work = tmp_path / "warehouse" / "work"
    run = subprocess.Popen(
        [str(BIN / "lifecrm"), "run", "--select", TWO_EXPORTS],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not list(work.glob("*.duckdb")) and run.poll() is None:
        assert time.monotonic() < deadline, "the run never started its working copy"
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)  # the run and its children, mid-run
    run.wait(timeout=60)
    assert run.returncode == -signal.SIGKILL
    assert not (tmp_path / "warehouse" / "lifecrm.duckdb").exists()
    (killed,) = work.glob("*.duckdb")
    # the clean run is a one-day backfill: the same run, for the landed batch
    day = next((tmp_path / "landing").iterdir()).name
    clean = lifecrm(tmp_path, "backfill", "--from", day, "--to", day, "--select", TWO_EXPORTS)
    assert clean.returncode == 0, clean.stdout[-3000:] + clean.stderr[-3000:]
    assert "published" in clean.stdout
    assert (tmp_path / "warehouse" / "lifecrm.duckdb").exists()
    assert not killed.exists() and list(work.iterdir()) == []
