"""Shared fixtures: small simulated worlds built through the real CLI, stack and warehouse."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

BIN = Path(sys.executable).parent


def _import_great_expectations_as_a_script_would() -> None:
    """Great Expectations imports PySpark's Connect module when PySpark is installed. Without
    its gRPC extra that import fails, which GX expects, except when `__main__` has neither a
    spec nor a file: PySpark then takes the process for its doctest runner and exits it. A
    pytest-xdist worker's `__main__` is such a one, so GX is imported here with a file set."""
    main = sys.modules["__main__"]
    if importlib.util.find_spec("pyspark") is None or hasattr(main, "__file__"):
        return
    main.__file__ = __file__
    try:
        import great_expectations  # noqa: F401
    finally:
        del main.__file__


_import_great_expectations_as_a_script_would()

# Tests never touch the user's data directory, and always plan from the dbt models as they are.
os.environ["LIFECRM_DATA_DIR"] = tempfile.mkdtemp(prefix="lifecrm-tests-")
os.environ["LIFECRM_REFRESH_DBT_MANIFEST"] = "1"
TINY_CUSTOMERS = 1000


# Taiwan's published letter codes, written out independently of the code under test.
ID_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"


def national_id_is_valid(text: str) -> bool:
    """An independent checker of Taiwan national IDs (letter, gender digit, check digit)."""
    if len(text) != 10 or text[0] not in ID_LETTERS or not text[1:].isdigit():
        return False
    code = ID_LETTERS.index(text[0]) + 10
    digits = [code // 10, code % 10, *map(int, text[1:])]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def lifecrm(data_dir: Path, *args: str, timeout: int = 600) -> CliResult:
    """Run the installed `lifecrm` command against a data directory."""
    env = {**os.environ, "LIFECRM_DATA_DIR": str(data_dir)}
    env.pop("DAGSTER_HOME", None)
    env.pop("DBT_TARGET_PATH", None)  # set by importing the definitions: the world sets its own
    done = subprocess.run(
        [str(BIN / "lifecrm"), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class BuiltWorld:
    data_dir: Path
    run: CliResult

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse" / "lifecrm.duckdb"

    @property
    def batch_dir(self) -> Path:
        return next((self.data_dir / "landing").iterdir())

    def manifest_rows(self) -> dict[str, int]:
        manifest = json.loads((self.batch_dir / "manifest.json").read_text())
        return {entry["file"].removesuffix(".csv"): entry["rows"] for entry in manifest["files"]}

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)


@pytest.fixture(scope="session")
def built_world(tmp_path_factory: pytest.TempPathFactory) -> BuiltWorld:
    """A tiny world generated and materialised end to end, once per test session."""
    data_dir = tmp_path_factory.mktemp("world")
    generated = lifecrm(
        data_dir, "generate", "--customers", str(TINY_CUSTOMERS), "--seed", "7", "--clean"
    )
    assert generated.returncode == 0, generated.stderr
    run = lifecrm(data_dir, "run")
    assert run.returncode == 0, f"lifecrm run failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    return BuiltWorld(data_dir=data_dir, run=run)


@pytest.fixture(scope="session")
def built_defective_world(tmp_path_factory: pytest.TempPathFactory) -> BuiltWorld:
    """A world with its planted defects through `lifecrm run`, once per session: the ingestion's
    quarantine is checked on it, and the Spark parity test builds it on Spark (the repairs)."""
    data_dir = tmp_path_factory.mktemp("defective")
    generated = lifecrm(data_dir, "generate", "--customers", "1500", "--seed", "21")
    assert generated.returncode == 0, generated.stderr
    run = lifecrm(data_dir, "run")
    assert run.returncode == 0, f"lifecrm run failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return BuiltWorld(data_dir=data_dir, run=run)


# Two exports' raw assets and the dbt step of their source tests (asset checks): both kinds of
# warehouse writer, in the smallest run that has both.
TWO_EXPORTS = 'key:"raw/customers" or key:"raw/premium_payments"'

DAILY_CUSTOMERS = 800
DAYS = 2  # daily batches after the initial extract: two incremental runs


def warehouse_only_selection() -> str:
    """The ingestion and the warehouse through the marts, without the staging views over the
    ml layer (they read the models' outputs)."""
    from lifecrm.settings import PROJECT_ROOT

    ml_staging = sorted(path.stem for path in (PROJECT_ROOT / "models/staging/ml").glob("*.sql"))
    return "(group:ingest or group:warehouse)" + "".join(
        f' and not key:"staging/{model}"' for model in ml_staging
    )


@pytest.fixture(scope="session")
def built_daily_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean world built day by day, a run per batch as the sensor would: the warehouse alone
    on the initial extract and the first days, everything on the last day (so its models and
    strategic and tactical tables exist too). The incremental facts are checked on it against
    a full refresh, and the Spark parity test rebuilds it on Spark."""
    data = tmp_path_factory.mktemp("daily")
    generated = lifecrm(
        data, "generate", "--customers", str(DAILY_CUSTOMERS), "--seed", "5", "--clean"
    )
    assert generated.returncode == 0, generated.stderr
    for day in range(DAYS + 1):
        if day:
            assert lifecrm(data, "generate", "--next-day").returncode == 0
        selection = [] if day == DAYS else ["--select", warehouse_only_selection()]
        run = lifecrm(data, "run", *selection)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return data


# Under `make test` (pytest-xdist, `--dist loadgroup`) the tests run on two workers, and every
# test of one session-built world runs on the worker that built it: each world is built once,
# and no test of one world runs beside another that writes it. The longest groups go first.
WORLD_GROUPS = {
    "built_daily_world": "daily-world",
    "built_defective_world": "defective-world",
    "built_world": "tiny-world",
}


@pytest.hookimpl(tryfirst=True)  # before xdist names the groups in the test ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        for order, (fixture, group) in enumerate(WORLD_GROUPS.items()):
            if fixture in item.fixturenames:
                item.add_marker(pytest.mark.xdist_group(group))
                return order
        return len(WORLD_GROUPS)

    items.sort(key=rank)  # stable: within a group the tests keep their files' order


def pytest_collection_finish(session: pytest.Session) -> None:
    """Refuse to run when xdist's groups are lost (pytest 9.2 drops the test-id suffix xdist
    groups by): every worker would build every world, silently."""
    if not getattr(session.config.option, "loadgroup", False):  # not an xdist worker
        return
    lost = [
        item.nodeid
        for item in session.items
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
    ]
    if lost:
        raise pytest.UsageError(
            f"pytest-xdist did not group {len(lost)} tests (e.g. {lost[0]}): use the pytest "
            "that constraints.txt pins"
        )
