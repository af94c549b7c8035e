"""One asset per export: load every delivered batch of it into `raw.<export>`."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.lib.warehouse import WAREHOUSE_POOL
from lifecrm import settings
from lifecrm.ingest.landing import export_files
from lifecrm.ingest.raw_loader import load_export

EXPORTS = ("customers", "agents", "policies", "premium_payments")


def raw_export_asset(export: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", export],
        group_name="ingest",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "csv"},
        description=f"The `{export}` export, every column as text, with load metadata.",
    )
    def _raw(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
        files = export_files(settings.landing_dir(), export)
        with warehouse.get_connection() as con:
            result = load_export(con, export, files)
        context.log.info(f"loaded {result.rows} rows of {export} from {result.files} file(s)")
        return dg.MaterializeResult(
            metadata={
                "rows": result.rows,
                "files": result.files,
                "load_id": result.load_id,
                "latest_batch": files[-1].batch_date.isoformat(),
            }
        )

    return _raw


raw_assets = [raw_export_asset(export) for export in EXPORTS]
