"""Publish the warehouse of each run the Dagster UI, the sensor or the schedule started, once it
has succeeded with every blocking check passed; tag a failed run as not published. (`lifecrm run`
publishes its own runs; for those these find nothing left to do.)"""

import dagster as dg

from lifecrm.orchestration import publish_if_passed, record_publish, run_outcome


def _settle(context: dg.RunStatusSensorContext, succeeded: bool) -> None:
    run_id = context.dagster_run.run_id
    outcome = publish_if_passed(run_outcome(context.instance, run_id, succeeded), wait_seconds=60)
    record_publish(context.instance, outcome)
    context.log.info(f"run {run_id}: {outcome.publish_reason}")


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="publish_warehouse",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Publishes a succeeded run's working warehouse onto data/warehouse/"
    "lifecrm.duckdb (and its marts, features, ml, strategic and tactical tables as Parquet), or "
    "says why not.",
)
def publish_warehouse(context: dg.RunStatusSensorContext):
    _settle(context, succeeded=True)


@dg.run_failure_sensor(
    name="report_unpublished_run",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Tags a failed run lifecrm/published=no with the reason; its working "
    "warehouse stays for inspection until the next run.",
)
def report_unpublished_run(context: dg.RunFailureSensorContext):
    _settle(context, succeeded=False)
