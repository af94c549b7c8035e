"""The usual entry points are safe: a plain `dagster dev` in the project root is `make dev` (the
data directory's instance, the code location named `lifecrm`), and a plain `dbt` there finds its
profile and builds a development copy, never the published warehouse."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from lifecrm import pii_key, settings

BIN = Path(sys.executable).parent
QUERY = """{
  workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
  } } }
  repositoriesOrError { ... on RepositoryConnection { nodes {
    location { name } sensors { name sensorState { status } }
  } } }
  instance { info poolConfig { defaultPoolLimit } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def _clean_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "LIFECRM_DATA_DIR": str(data_dir)}
    for name in ("DAGSTER_HOME", "DBT_TARGET_PATH", "DBT_TARGET", "LIFECRM_WAREHOUSE_PATH"):
        env.pop(name, None)  # as in a new shell
    return env


@pytest.mark.parametrize("command", [["dagster", "dev"], ["lifecrm", "dev"]])
def test_plain_dagster_dev_is_make_dev(tmp_path, command):
    """Started in the project root without DAGSTER_HOME, `dagster dev` serves the code location
    `lifecrm` on the data directory's instance (its storage there, the writer pool of one), not
    on a throwaway one; `lifecrm dev` (`make dev`) starts exactly that."""
    data = tmp_path / "data"  # an empty data directory: no batch for the sensor to run
    port = _free_port()
    args = ["-p", str(port)] if command[0] == "dagster" else ["--port", str(port)]
    server = subprocess.Popen(
        [str(BIN / command[0]), *command[1:], *args],
        cwd=settings.PROJECT_ROOT, env=_clean_env(data), start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline, answer = time.monotonic() + 240, None
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stdout.read()[-4000:]
            try:
                answer = _graphql(port)
                entries = answer["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["loadStatus"] == "LOADED":
                    break
            except OSError:
                pass
            time.sleep(2)
        else:
            pytest.fail(f"the code location did not load in 240 s: {answer}")
        entries = answer["workspaceOrError"]["locationEntries"]
        assert [e["name"] for e in entries] == ["lifecrm"]
        assert entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation", entries
        info = answer["instance"]["info"]
        home = data / "dagster"
        assert f"base_dir: {home}" in info, info  # runs, event logs, schedules in <data>/dagster
        assert ".tmp_dagster_home_" not in info, info
        assert answer["instance"]["poolConfig"]["defaultPoolLimit"] == 1
        sensors = {
            s["name"]: s["sensorState"]["status"]
            for repo in answer["repositoriesOrError"]["nodes"]
            for s in repo["sensors"]
        }
        assert sensors["landing_batches"] == "RUNNING" and sensors["publish_warehouse"] == "RUNNING"
        assert (home / "history" / "runs.db").is_file()
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    # nothing of the session is left in the project root
    assert not list(settings.PROJECT_ROOT.glob(".tmp_dagster_home_*"))


def test_plain_dbt_finds_its_profile_and_builds_the_development_copy(tmp_path):
    """`dbt seed` in the project root, without --profiles-dir or --target, builds into
    `<data>/warehouse/dev.duckdb` and leaves the published warehouse alone."""
    data = tmp_path / "data"
    published = data / "warehouse" / settings.WAREHOUSE_FILE
    published.parent.mkdir(parents=True)
    con = duckdb.connect(str(published))
    con.execute("create table marker as select 1 as version")
    con.close()
    before = published.read_bytes()
    pii_key.create_simulated_world_key(data)  # as `lifecrm generate` makes one
    env = _clean_env(data)
    env.pop(pii_key.KEY_ENV, None)
    env.update(DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"))
    done = subprocess.run(
        [str(BIN / "dbt"), "seed", "--select", "channels"],
        cwd=settings.PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert published.read_bytes() == before
    dev = duckdb.connect(str(data / "warehouse" / "dev.duckdb"), read_only=True)
    try:
        assert dev.execute("select count(*) from reference.channels").fetchall()[0][0] > 0
    finally:
        dev.close()
