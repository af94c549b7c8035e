"""Running unattended: the landing sensor, the daily schedule, and the sensors that publish (or
report) each finished run."""

from dagster_project.defs.ops.daily_schedule import daily_newest_batch
from dagster_project.defs.ops.extra_files import no_unlisted_files
from dagster_project.defs.ops.freshness import FRESHNESS_CHECKS
from dagster_project.defs.ops.landing_sensor import landing_batches
from dagster_project.defs.ops.publish_sensor import publish_warehouse, report_unpublished_run

SCHEDULES = [daily_newest_batch]
SENSORS = [landing_batches, publish_warehouse, report_unpublished_run]
CHECKS = [*FRESHNESS_CHECKS, no_unlisted_files]
