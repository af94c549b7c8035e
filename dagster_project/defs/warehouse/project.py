"""The dbt project, in a module of its own: `@dbt_assets` reads its manifest at import.

dbt's artefacts (manifest, run results, logs) go to the data directory, like everything a run
produces. A missing manifest (a fresh clone, a new data directory) is prepared with `dbt parse`,
and so is one `lifecrm run` finds parsed from other files or settings (lifecrm/dbt_fingerprint.py).
"""

import os
import sys
from pathlib import Path

import dagster_dbt.asset_utils
from dagster_dbt import DbtProject

from lifecrm import dbt_fingerprint, pii_key, settings

REFRESH_MANIFEST_ENV = "LIFECRM_REFRESH_DBT_MANIFEST"

# dbt runs as a subprocess: it must see the same data directory and write its per-invocation
# target folders under it.
settings.export_data_dir_to_env()
os.environ.setdefault("DBT_TARGET_PATH", str(settings.dbt_target_dir()))
# Dagster runs the dbt graph in stages around the Python assets (seeds, then the models after
# `raw`, then those after `ml`); "buildable" runs a test in the stage that builds its last parent
# rather than in the first stage that touches any parent (dbt's default, "eager").
os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")
# The `dbt` executable installed beside this Python, even when its folder is not on PATH.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

# When a run selects part of the dbt graph, dagster-dbt lists each node on dbt's command line, or,
# past 200 nodes, copies the whole project directory to a temporary folder to write a selector
# file there. The project directory is the repository (dbt_project.yml sits at its root), with
# the virtualenv and the data directory in it: gigabytes per run. A command line of a few
# thousand node names stays far below Linux's limits, so the copy is never needed here.
SELECTION_ARGS_LIMIT = 5000
dagster_dbt.asset_utils._SELECTION_ARGS_THRESHOLD = SELECTION_ARGS_LIMIT

# On Spark the pseudonymisation key travels in the session settings the profile reads from the
# environment (on DuckDB a plugin of the profile hands it to each connection).
if settings.dbt_target() == "spark":
    pii_key.export_spark_pads(settings.data_dir())

# Parsed for the target the dbt steps build: the graph differs per engine (on Spark a model
# stands in for the customer snapshot).
dbt_project = DbtProject(
    project_dir=settings.PROJECT_ROOT,
    profiles_dir=settings.PROJECT_ROOT / "dbt",
    target_path=settings.dbt_target_dir(),
    target=settings.dbt_target(),
)
dbt_project.prepare_if_dev()
# `lifecrm run` asks for a current manifest, so that edited models are what Dagster plans: dbt
# parses again when a file or an environment variable it reads has changed since the last parse
# (lifecrm/dbt_fingerprint.py). Parsed with the profile the run's dbt steps use (their warehouse
# is the fixed link to the run's working file), so that each step reuses this parse rather than
# parsing everything again.
if os.environ.get(REFRESH_MANIFEST_ENV) == "1" or not dbt_project.manifest_path.exists():
    steps_profile = {"LIFECRM_WAREHOUSE_PATH": str(settings.dbt_run_link())}
    saved = {name: os.environ.get(name) for name in steps_profile}
    os.environ.update(steps_profile)
    try:
        inputs = dbt_fingerprint.fingerprint(
            dbt_project.project_dir, dbt_project.profiles_dir, settings.dbt_target()
        )
        if not dbt_fingerprint.is_current(dbt_project.manifest_path, inputs):
            dbt_project.preparer.prepare(dbt_project)
            dbt_fingerprint.record(dbt_project.manifest_path, inputs)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
