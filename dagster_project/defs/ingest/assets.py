"""One asset per export: load every delivered batch of it into `raw.<export>`, then run its
Great Expectations suite (if it has one) as a blocking check."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.defs.quality.gx_checks import (
    SuiteValidator,
    gx_check_results,
    gx_check_specs,
)
from dagster_project.lib.warehouse import WAREHOUSE_POOL
from lifecrm import settings
from lifecrm.ingest import decisions
from lifecrm.ingest.contract import required_columns
from lifecrm.ingest.exports import EXPORTS
from lifecrm.ingest.landing import export_files
from lifecrm.ingest.raw_loader import load_export
from lifecrm.orchestration import BATCH_TAG


def raw_export_asset(export: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", export],
        group_name="ingest",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "csv"},
        check_specs=gx_check_specs(export),
        description=f"The `{export}` export, every column as text, with load metadata.",
    )
    def _raw(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
        files = export_files(settings.landing_dir(), export)
        # a run for one day (the sensor's, the schedule's, a backfill's) loads batches up to it
        upto = context.run.tags.get(BATCH_TAG)
        if upto:
            files = [f for f in files if f.batch_date.isoformat() <= upto]
            if not files:
                raise dg.Failure(
                    f"{export}: no batch up to {upto} delivers {export}.csv; run a later day "
                    f"(lifecrm backfill --from DATE --to DATE) or drop the {BATCH_TAG} tag"
                )
        validator = SuiteValidator(export)
        with warehouse.get_connection() as con:
            result = load_export(
                con, export, files, required_columns(export), validator, decisions.read_all()
            )
            for warning in result.warnings:
                context.log.warning(warning)
            for decided in result.decided:
                context.log.info(f"applied: {decided}")
            for refused in result.refused:
                context.log.warning(f"refused: {refused}")
            if result.waiting:
                context.log.warning(
                    f"{export}: {len(result.waiting)} later file(s) wait behind the refused one "
                    f"({', '.join(result.waiting)}); see `lifecrm landing status`"
                )
            context.log.info(
                f"{export}: loaded {result.rows_loaded} rows from {result.files_loaded} new "
                f"file(s), quarantined {result.rows_quarantined}, skipped "
                f"{result.files_skipped} file(s) already loaded"
            )
            yield dg.MaterializeResult(
                metadata={
                    "rows": result.rows,
                    "files_loaded": result.files_loaded,
                    "files_already_loaded": result.files_skipped,
                    "rows_loaded": result.rows_loaded,
                    "rows_quarantined": result.rows_quarantined,
                    "files_refused": len(result.refused),
                    "files_waiting": len(result.waiting),
                    "latest_batch": files[-1].batch_date.isoformat(),
                }
            )
            yield from gx_check_results(export, con, result, validator)

    return _raw


raw_assets = [raw_export_asset(export) for export in EXPORTS]
