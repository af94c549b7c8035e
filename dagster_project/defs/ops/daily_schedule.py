"""Each morning, process the newest complete batch (and any before it not yet published)."""

import dagster as dg

from dagster_project.defs.ops.batches import next_batch, request


@dg.schedule(
    name="daily_newest_batch",
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Taipei",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="At 06:00 Taipei time, a run for the newest complete batch. Off by default: "
    "the landing sensor already starts a run when a batch arrives; turn this on instead where "
    "exports land at a fixed hour.",
)
def daily_newest_batch(context: dg.ScheduleEvaluationContext):
    decision = next_batch(context.instance, newest=True)
    if decision.batch is None:
        return dg.SkipReason(decision.reason)
    return request(decision)
