"""Every dbt seed, model and test as Dagster assets and asset checks."""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.defs.warehouse.project import dbt_project
from dagster_project.defs.warehouse.translator import LifecrmDbtTranslator
from dagster_project.lib.warehouse import WAREHOUSE_POOL, WarehouseResource


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LifecrmDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def lifecrm_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    with warehouse.dbt_env():  # the run's working copy of the warehouse
        yield from dbt.cli(["build"], context=context).stream()
