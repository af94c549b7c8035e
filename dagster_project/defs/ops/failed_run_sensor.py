"""Say, on a failed run, that nothing was published and what to do next."""

import dagster as dg

from lifecrm.orchestration import publish_if_passed, record_publish, run_outcome


@dg.run_failure_sensor(
    name="report_unpublished_run",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Tags a failed run lifecrm/published=no with the reason; its working "
    "warehouse stays for inspection until the next run.",
)
def report_unpublished_run(context: dg.RunFailureSensorContext):
    run_id = context.dagster_run.run_id
    outcome = publish_if_passed(run_outcome(context.instance, run_id, False))
    record_publish(context.instance, outcome)
    context.log.info(f"run {run_id}: {outcome.publish_reason}")
