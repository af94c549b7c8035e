"""Two runs started together on one warehouse both finish: the writer pool serialises them."""

from __future__ import annotations

import os
import subprocess

from conftest import BIN, TWO_EXPORTS, lifecrm


def test_concurrent_runs_never_meet_a_file_lock(tmp_path):
    assert (
        lifecrm(tmp_path, "generate", "--customers", "300", "--seed", "7", "--clean").returncode
        == 0
    )
    env = {**os.environ, "LIFECRM_DATA_DIR": str(tmp_path)}
    env.pop("DAGSTER_HOME", None)
    runs = [
        subprocess.Popen(
            [str(BIN / "lifecrm"), "run", "--verbose", "--select", TWO_EXPORTS],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
        assert "Running dbt command" in output, output[-3000:]  # the dbt step ran too
