"""Start a run for each new complete batch in the landing folder, one at a time, in date order."""

import dagster as dg

from dagster_project.defs.ops.batches import next_batch, request


@dg.sensor(
    name="landing_batches",
    target=dg.AssetSelection.all(),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="A run for each complete batch (manifest present, every file at its size) "
    "that the published warehouse lacks, oldest first, once the previous one is published.",
)
def landing_batches(context: dg.SensorEvaluationContext):
    decision = next_batch(context.instance)
    if decision.batch is None:
        return dg.SkipReason(decision.reason)
    context.update_cursor(decision.batch)  # the last batch requested
    return request(decision)
