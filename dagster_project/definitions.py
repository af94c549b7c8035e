"""lifecrm's Dagster definitions: assembled here, defined under `defs/`."""

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.defs.ingest.assets import raw_assets
from dagster_project.defs.ml.assets import lapse_risk_model
from dagster_project.defs.ml.cross_sell import cross_sell_model
from dagster_project.defs.ml.segments import customer_segmentation
from dagster_project.defs.ml.value import customer_value
from dagster_project.defs.ops import CHECKS, SCHEDULES, SENSORS
from dagster_project.defs.quality.vendor_match_check import vendor_match_rate
from dagster_project.defs.reports.assets import executive_report, frontline_exports
from dagster_project.defs.warehouse.assets import lifecrm_dbt_assets
from dagster_project.defs.warehouse.project import dbt_project
from dagster_project.lib.warehouse import warehouse_resource
from lifecrm import settings

defs = dg.Definitions(
    assets=[
        *raw_assets,
        lifecrm_dbt_assets,
        lapse_risk_model,
        customer_segmentation,
        customer_value,
        cross_sell_model,
        executive_report,
        frontline_exports,
    ],
    asset_checks=[vendor_match_rate, *CHECKS],
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources={
        "warehouse": warehouse_resource(),
        # the DuckDB warehouse, or $LIFECRM_DBT_TARGET (`spark`: docs/scaling-out.md)
        "dbt": DbtCliResource(project_dir=dbt_project, target=settings.dbt_target()),
    },
    # All assets write one DuckDB file, so steps cannot run in parallel anyway; in-process
    # execution avoids a subprocess per step.
    executor=dg.in_process_executor,
)
