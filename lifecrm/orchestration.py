"""Run the Dagster asset graph from the command line, against lifecrm's own instance."""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass, field, replace

from lifecrm import settings

INSTANCE_TEMPLATE = settings.PROJECT_ROOT / "dagster_project" / "dagster.yaml"


def prepare_instance() -> None:
    """Point DAGSTER_HOME at the data directory and install the project's instance settings."""
    settings.export_data_dir_to_env()
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(INSTANCE_TEMPLATE, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)


def _open_instance(dg):
    """The Dagster instance, its storage first opened under a file lock: two runs started
    together on a new data directory would otherwise both create its tables, and one fails."""
    import fcntl

    with open(settings.dagster_home() / ".storage.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        instance = dg.DagsterInstance.get()
        instance.get_runs(limit=1)  # run storage
        instance.event_log_storage.get_concurrency_keys()  # event log and pools
        instance.all_instigator_state()  # schedules and sensors
        return instance


BATCH_TAG = "lifecrm/batch_date"  # the newest landed batch a run may load (YYYY-MM-DD)
PUBLISHED_TAG = "lifecrm/published"  # "yes" or "no", set on a run once it is decided
# the process and machine of a run `lifecrm run` executes in its own process
PID_TAG = "lifecrm/pid"
HOST_TAG = "lifecrm/host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_runs(instance) -> list[str]:
    """A `lifecrm run` killed mid-run stays STARTED in the instance and keeps its slot in the
    writer pool, which would hold back every later run for good: mark such runs failed (their
    process is gone) and free their slots. Runs the Dagster daemon launched are its to monitor."""
    import dagster as dg

    dead = []
    in_progress = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
    ]
    for run in instance.get_runs(dg.RunsFilter(statuses=in_progress)):
        pid = run.tags.get(PID_TAG)
        if not pid or run.tags.get(HOST_TAG) != socket.gethostname() or _alive(int(pid)):
            continue
        instance.report_run_failed(
            run,
            message=f"process {pid}, which ran this run, is gone (killed?): lifecrm marked the "
            "run failed and freed its writer-pool slot so that later runs can go on; nothing "
            "of it was published",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        dead.append(run.run_id)
    return dead


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    success: bool
    materialized: int
    failed_steps: list[str]
    failed_checks: list[str]
    unevaluated_checks: list[str]
    warned_checks: list[str]
    passed_checks: int = 0
    # checks of selected assets a selection cannot evaluate (a test of a parent left out)
    left_out_checks: list[str] = field(default_factory=list)
    # checks a failed run did not get to, as a step before them failed
    skipped_checks: list[str] = field(default_factory=list)
    published: bool = False
    publish_reason: str = ""
    publish_seconds: float = 0.0
    publish_decided_elsewhere: bool = False  # another process had published it (or dropped it)
    # each materialised asset's plain metadata (rows loaded, quarantined, policies scored, ...)
    metadata: dict[str, dict[str, object]] = field(default_factory=dict)


def run_outcome(instance, run_id: str, run_succeeded: bool) -> RunOutcome:
    """What a finished run did, read from the instance's event log: the same verdict decides
    the publish whether the run came from `lifecrm run` or from the Dagster UI."""
    import dagster as dg

    # The instance's event log holds the whole run (`result.all_events` leaves out the
    # run-level events that announce which checks were planned).
    events = [
        record.event_log_entry.dagster_event
        for record in instance.get_records_for_run(run_id, limit=1_000_000).records
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
    never_run = sorted(key.to_user_string() for key in planned - evaluated)
    unevaluated = never_run if run_succeeded else []
    failed_steps = sorted({e.step_key for e in events if e.is_step_failure and e.step_key})
    metadata = {}
    for e in events:
        if e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = e.step_materialization_data.materialization
            metadata[materialization.asset_key.to_user_string()] = {
                name: value.value
                for name, value in materialization.metadata.items()
                if isinstance(value.value, int | float | str | bool)
            }
    return RunOutcome(
        run_id=run_id,
        success=run_succeeded and not failed_checks and not unevaluated and not failed_steps,
        materialized=len(metadata),
        failed_steps=failed_steps,
        failed_checks=failed_checks,
        unevaluated_checks=unevaluated,
        skipped_checks=[] if run_succeeded else never_run,
        warned_checks=warned_checks,
        passed_checks=sum(1 for c in evaluations if c.passed),
        metadata=metadata,
    )


def record_publish(instance, outcome: RunOutcome) -> None:
    """Tag the run with whether it was published and why, for the UI's run list and the sensor."""
    if outcome.publish_decided_elsewhere:
        return
    instance.add_run_tags(
        outcome.run_id,
        {
            PUBLISHED_TAG: "yes" if outcome.published else "no",
            "lifecrm/publish_reason": outcome.publish_reason[:400],
        },
    )


def publish_if_passed(outcome: RunOutcome, wait_seconds: float = 0) -> RunOutcome:
    """Publish the run's working warehouse if the run succeeded and every blocking check passed;
    say why not otherwise. The published warehouse is untouched unless it is replaced whole."""
    from lifecrm import publish

    if not outcome.success:
        kept = publish.working_path(outcome.run_id)
        reason = (
            "not published: the run failed (its failed steps and checks say why); the published "
            "warehouse "
            f"{settings.warehouse_path()} is unchanged"
            + (f", and this run's unpublished warehouse is kept at {kept} until the next run"
               if kept.exists() else "")
        )  # fmt: skip
        publish.release(outcome.run_id)
        return replace(outcome, published=False, publish_reason=reason)
    try:
        done = publish.publish(outcome.run_id, wait_seconds=wait_seconds)
    except publish.PublishError as exc:
        done = publish.Published(False, f"not published: {exc}")
    if not done.published:
        publish.release(outcome.run_id)
    return replace(
        outcome,
        published=done.published,
        publish_reason=done.reason,
        publish_seconds=done.seconds,
        publish_decided_elsewhere=done.elsewhere,
    )


def publish_pending(instance, current_run_id: str | None = None) -> list[RunOutcome]:
    """Publish the working copies of runs that succeeded but are not published yet (the publish
    sensor has not got to them), before a new run starts from the published file and removes
    them as stale. Runs whose process still holds them are left to it."""
    import dagster as dg

    from lifecrm import publish

    done = []
    for run_id in publish.unheld_runs():
        run = instance.get_run_by_id(run_id) if run_id != current_run_id else None
        if run is None or run.status != dg.DagsterRunStatus.SUCCESS or PUBLISHED_TAG in run.tags:
            continue
        outcome = publish_if_passed(run_outcome(instance, run_id, True))
        record_publish(instance, outcome)
        done.append(outcome)
    return done


def resolve_selection(dg, graph, selection: str) -> list:
    """The asset keys a Dagster selection string picks, or a ValueError a person can act on."""
    try:
        keys = list(dg.AssetSelection.from_string(selection).resolve(graph))
    except dg.DagsterError:  # DagsterInvalidAssetSelectionError, which dagster does not export
        groups = sorted({graph.get(key).group_name for key in graph.get_all_asset_keys()})
        raise ValueError(
            f"--select {selection!r} is not an asset selection; write e.g. 'group:ingest', "
            f"'key:marts/dim_policy+' or 'key:\"raw/customers\"' (the groups: "
            f"{', '.join(groups)})"
        ) from None
    if not keys:
        raise ValueError(f"the selection {selection!r} matches no asset")
    return keys


def evaluable_checks(dg, graph, keys: list) -> tuple[set, list[str]]:
    """The checks of the selected assets that the run can evaluate, and those it cannot: a dbt
    test of two models (a relationship) runs only when its other parent is selected or upstream
    of the selection (dbt's `buildable` indirect selection), so a check whose other parent is
    neither is left out of the run and named, rather than planned and never evaluated."""
    reachable = dg.AssetSelection.assets(*keys).upstream().resolve(graph)
    evaluable, left_out = set(), []
    for check in graph.get_check_keys_for_assets(set(keys)):
        others = [dep.asset_key for dep in graph.get_check_spec(check).additional_deps]
        if all(other in reachable for other in others):
            evaluable.add(check)
        else:
            left_out.append(check.to_user_string())
    return evaluable, sorted(left_out)


def materialize(
    selection: str | None = None, batch: str | None = None, checks: bool = True, output=None
) -> RunOutcome:
    """Materialise every asset (or those a Dagster selection string picks) in one run, loading
    the landed batches up to `batch` (all of them by default), and publish it if it passed.

    `checks=False` leaves the asset checks (the dbt tests among them) out of the run, which is
    then never published: the Spark parity test builds on Spark data that DuckDB already
    tested, where each of the 365 tests would be a Spark job of its own. `output`, a
    `lifecrm.run_log.RunLog`, takes the run's log (the console's lines, the log file); without
    it Dagster's console logger prints the log as it comes."""
    prepare_instance()
    os.environ["LIFECRM_REFRESH_DBT_MANIFEST"] = "1"  # plan from the models as they are now
    import dagster as dg  # imported late: DAGSTER_HOME must be set first

    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    keys, left_out = None, []
    job = defs.resolve_implicit_global_asset_job_def()
    if selection:
        keys = resolve_selection(dg, graph, selection)
        evaluable, left_out = evaluable_checks(dg, graph, keys)
        job = job.get_subset(asset_selection=set(keys), asset_check_selection=evaluable)
    if not checks:
        selected = set(keys) if keys is not None else set(graph.get_all_asset_keys())
        job = job.get_subset(asset_selection=selected, asset_check_selection=set())
    instance = _open_instance(dg)
    fail_dead_runs(instance)
    tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    logging = {"run_config": {"loggers": {"console": {"config": {"log_level": "INFO"}}}}}
    if output is not None:
        job, logging = output.instrument(job, instance)
    result = job.execute_in_process(  # the job is subset to the selection already
        instance=instance,
        raise_on_error=False,
        tags={**tags, BATCH_TAG: batch} if batch else tags,
        **logging,
    )
    outcome = replace(
        run_outcome(instance, result.run_id, result.success), left_out_checks=left_out
    )
    if not checks:
        from lifecrm import publish

        publish.release(outcome.run_id)
        outcome = replace(outcome, publish_reason="not published: its checks were left out")
        record_publish(instance, outcome)  # so that no later run publishes it either
        return outcome
    outcome = publish_if_passed(outcome)
    record_publish(instance, outcome)
    return outcome
