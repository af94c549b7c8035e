"""Publish the warehouse of each run the Dagster UI, the sensor or the schedule started, once it
has succeeded with every blocking check passed (`lifecrm run` publishes its own runs; for them
this finds nothing left to do)."""

import dagster as dg

from lifecrm.orchestration import publish_if_passed, record_publish, run_outcome


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="publish_warehouse",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Publishes a succeeded run's working warehouse onto data/warehouse/"
    "lifecrm.duckdb (and its strategic and tactical tables as Parquet), or says why not.",
)
def publish_warehouse(context: dg.RunStatusSensorContext):
    run_id = context.dagster_run.run_id
    outcome = publish_if_passed(run_outcome(context.instance, run_id, True), wait_seconds=60)
    record_publish(context.instance, outcome)
    context.log.info(f"run {run_id}: {outcome.publish_reason}")
