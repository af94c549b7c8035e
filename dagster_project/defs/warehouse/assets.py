"""Every dbt seed, model and test as Dagster assets and asset checks.

dbt builds the target `LIFECRM_DBT_TARGET` names (the DuckDB warehouse by default). On Spark
the step first publishes the run's inputs as Parquet (the raw exports and the ml outputs, which
the spark target declares as its sources), and ends by copying what Spark built into the run's
DuckDB warehouse, which the models, the reports and the publish read as on DuckDB.
"""

from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.defs.warehouse.project import dbt_project
from dagster_project.defs.warehouse.translator import LifecrmDbtTranslator
from dagster_project.lib.warehouse import WAREHOUSE_POOL, WarehouseResource
from lifecrm import settings
from lifecrm.parquet_export import export_parquet, parquet_dir
from lifecrm.spark_mirror import mirror_tables


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LifecrmDbtTranslator(),
    pool=WAREHOUSE_POOL,
)
def lifecrm_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    if (dbt.target or settings.DUCKDB_TARGET) == settings.DUCKDB_TARGET:
        with warehouse.dbt_env():  # the run's working copy of the warehouse
            yield from dbt.cli(["build"], context=context).stream()
        return
    published = export_parquet(Path(warehouse.path), parquet_dir())
    context.log.info(f"published {len(published)} input tables as Parquet in {parquet_dir()}")
    yield from dbt.cli(["build"], context=context).stream()
    with warehouse.get_connection() as con:
        mirrored = mirror_tables(
            con,
            settings.spark_warehouse_dir(),
            [tuple(key.path) for key in context.selected_asset_keys],
        )
    context.log.info(
        f"copied {len(mirrored)} tables built on Spark ({dbt.target}) into the run's warehouse"
    )
