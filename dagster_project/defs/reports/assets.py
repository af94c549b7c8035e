"""What people read, built from the strategic and tactical tables: the executive report and the
front-line exports of the tactical lists (each declared as a dbt exposure too)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.lib.warehouse import WAREHOUSE_POOL
from lifecrm import settings
from lifecrm.reports import executive, frontline

REPORT_SOURCES = [
    ["strategic", "executive_headlines"],
    ["strategic", "value_concentration"],
    ["strategic", "persistency"],
    ["strategic", "crm_scorecard"],
    ["strategic", "segment_profitability"],
    ["strategic", "campaign_effectiveness"],
    ["strategic", "lapse_risk_overview"],
    ["marts", "dim_channel"],
    ["ml", "policy_lapse_scores"],
]


@dg.asset(
    key=["reports", "executive_report"],
    group_name="reports",
    deps=[dg.AssetKey(key) for key in REPORT_SOURCES],
    pool=WAREHOUSE_POOL,
    kinds={"html"},
    description=(
        "The executive report: one self-contained HTML file, the headline figures (each beside "
        "the previous period's) first, then charts and explanations."
    ),
)
def executive_report(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    with warehouse.get_connection() as con:
        path, charts = executive.build(con, settings.reports_dir())
    undrawn = [chart.key for chart in charts if chart.svg is None]
    if undrawn:
        context.log.warning(f"charts without data yet: {', '.join(undrawn)}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "charts_drawn": len(charts) - len(undrawn),
            "charts_without_data": ", ".join(undrawn) or "none",
        }
    )


@dg.asset(
    key=["reports", "frontline_exports"],
    group_name="reports",
    deps=[dg.AssetKey(["tactical", name]) for name in frontline.LISTS]
    + [dg.AssetKey(["pii", "pii_customers"])],
    pool=WAREHOUSE_POOL,
    kinds={"csv"},
    description=(
        "Each tactical list as CSV files people call from, joined to pii.pii_customers at export "
        "time (customer number, name, phone, e-mail, address): one folder per work queue (a "
        "servicing branch, or the reassignment queue for orphaned customers), readable by its "
        "owner only, one file per list and contact channel, without the control group and with "
        "formula-like cells defused."
    ),
)
def frontline_exports(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    out_dir = settings.exports_dir()
    with warehouse.get_connection() as con:
        exported = frontline.export_all(con, out_dir)
    folders = sorted(path.name for path in out_dir.iterdir() if not path.name.startswith("."))
    metadata: dict = {
        "folder": dg.MetadataValue.path(str(out_dir)),
        "work_queue_folders": ", ".join(folders) or "none",
    }
    for item in exported:
        context.log.info(
            f"{item.name}: {item.rows} rows in {item.files} file(s), {item.reassigned_rows} of "
            f"them in the reassignment queue; {item.control_rows_held_back} control-group rows "
            "held back"
        )
        metadata[f"{item.name}_rows"] = item.rows
        metadata[f"{item.name}_reassigned"] = item.reassigned_rows
        metadata[f"{item.name}_control_held_back"] = item.control_rows_held_back
    return dg.MaterializeResult(metadata=metadata)
