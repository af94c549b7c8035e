"""lifecrm's Dagster instance, wherever Dagster is started from the project root.

`dagster dev` (and any `dagster` command) run without `DAGSTER_HOME` makes a throwaway instance:
its storage in a temporary folder `.tmp_dagster_home_*` of the working directory, its settings
from `dagster.yaml` there. The project root's `dagster.yaml` (a link to `dagster_project/
dagster.yaml`, the one copy of the settings) names this class as the instance class, and this
class puts such a throwaway instance's storage into the data directory instead: the run history,
event logs, sensor cursors and concurrency pools that `lifecrm run` and `make dev` use
(`$LIFECRM_DATA_DIR/dagster`, else `data/dagster`). So a plain `dagster dev` in the project root
is `make dev`: the writer pool of one, the sensors' cursors and the publish all see every run.

An instance opened from a folder of its own (`DAGSTER_HOME`, `DagsterInstance.from_config`)
keeps that folder: that is a deliberate choice of instance, not a throwaway one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from lifecrm import settings

# The prefix of the temporary folders Dagster's CLI makes (dagster._cli.utils).
THROWAWAY_PREFIX = ".tmp_dagster_home_"


def storage_dir(base_dir: str) -> Path:
    """Where an instance configured with `base_dir` as its home keeps its storage."""
    if Path(base_dir).name.startswith(THROWAWAY_PREFIX):
        return settings.dagster_home()
    return Path(base_dir)


class LifecrmInstance(dg.DagsterInstance):
    """A `DagsterInstance` whose default storage is lifecrm's instance in the data directory
    when Dagster would have made a throwaway one."""

    @classmethod
    def config_schema(cls) -> Mapping[str, Any]:
        return {}  # no settings of its own: the dagster.yaml keys are Dagster's

    @classmethod
    def config_defaults(cls, base_dir: str) -> Mapping[str, Any]:
        home = storage_dir(base_dir)
        if home != Path(base_dir):
            home.mkdir(parents=True, exist_ok=True)
            logging.getLogger("dagster").info(
                f"lifecrm: this instance keeps its runs, event logs, schedules and sensors in "
                f"{home} (the data directory's instance, as `make dev` and `lifecrm run` use), "
                f"not in {base_dir}, which stays empty"
            )
        return InstanceRef.config_defaults(str(home))
