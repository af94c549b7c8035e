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
    unevaluated_checks: list[str]
    warned_checks: list[str]


def materialize(selection: str | None = None) -> RunOutcome:
    """Materialise every asset (or those a Dagster selection string picks) in one run."""
    prepare_instance()
    os.environ["LIFECRM_REFRESH_DBT_MANIFEST"] = "1"  # plan from the models as they are now
    import dagster as dg  # imported late: DAGSTER_HOME must be set first

    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = None
    if selection:
        keys = list(dg.AssetSelection.from_string(selection).resolve(graph))
        if not keys:
            raise ValueError(f"the selection {selection!r} matches no asset")
    job = defs.resolve_implicit_global_asset_job_def()
    instance = dg.DagsterInstance.get()
    result = job.execute_in_process(
        instance=instance,
        asset_selection=keys,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    # The instance's event log holds the whole run (`result.all_events` leaves out the
    # run-level events that announce which checks were planned).
    events = [
        record.event_log_entry.dagster_event
        for record in instance.get_records_for_run(result.run_id, limit=1_000_000).records
        if record.event_log_entry.dagster_event is not None
    ]
    evaluations = [
        e.asset_check_evaluation_data
        for e in events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]

    def describe(check) -> str:
        return f"{check.asset_check_key.to_user_string()}: {check.description or 'failed'}"

    # A failed WARN check (rows quarantined, the rest flowing on) is reported, not fatal.
    failed_checks = [
        describe(c)
        for c in evaluations
        if not c.passed and c.severity != dg.AssetCheckSeverity.WARN
    ]
    warned_checks = [
        describe(c)
        for c in evaluations
        if not c.passed and c.severity == dg.AssetCheckSeverity.WARN
    ]
    # A check that was planned but never ran proves nothing: count it as a failure. (In a run
    # that failed anyway, the skipped steps' checks are unevaluated for a reason already shown.)
    planned = {
        e.asset_check_planned_data.asset_check_key
        for e in events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED
    }
    evaluated = {check.asset_check_key for check in evaluations}
    unevaluated = (
        sorted(key.to_user_string() for key in planned - evaluated) if result.success else []
    )
    failed_steps = sorted({e.step_key for e in events if e.is_step_failure and e.step_key})
    return RunOutcome(
        run_id=result.run_id,
        success=result.success and not failed_checks and not unevaluated,
        materialized=len(result.get_asset_materialization_events()),
        failed_steps=failed_steps,
        failed_checks=failed_checks,
        unevaluated_checks=unevaluated,
        warned_checks=warned_checks,
    )
