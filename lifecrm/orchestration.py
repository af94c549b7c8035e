"""Run the Dagster asset graph from the command line, against lifecrm's own instance."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from lifecrm import settings

INSTANCE_TEMPLATE = settings.PROJECT_ROOT / "dagster_project" / "dagster.yaml"


def prepare_instance() -> None:
    """Point DAGSTER_HOME at the data directory and install the project's instance settings."""
    settings.export_data_dir_to_env()
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(INSTANCE_TEMPLATE, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    success: bool
    materialized: int
    failed_steps: list[str]
    failed_checks: list[str]


def materialize(selection: str | None = None) -> RunOutcome:
    """Materialise every asset (or those a Dagster selection string picks) in one run."""
    prepare_instance()
    import dagster as dg  # imported late: DAGSTER_HOME must be set first

    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = None
    if selection:
        keys = list(dg.AssetSelection.from_string(selection).resolve(graph))
        if not keys:
            raise ValueError(f"the selection {selection!r} matches no asset")
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        asset_selection=keys,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    events = result.all_events
    failed_checks = [
        f"{check.asset_check_key.to_user_string()}: {check.description or 'failed'}"
        for check in (
            e.asset_check_evaluation_data
            for e in events
            if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        )
        if not check.passed
    ]
    failed_steps = sorted({e.step_key for e in events if e.is_step_failure and e.step_key})
    return RunOutcome(
        run_id=result.run_id,
        success=result.success and not failed_checks,
        materialized=len(result.get_asset_materialization_events()),
        failed_steps=failed_steps,
        failed_checks=failed_checks,
    )
