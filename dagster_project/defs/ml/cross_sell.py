"""Cross-sell as assets: each customer's 12-month purchase probability and next best product,
and the models' out-of-time evaluation beside the truth's."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.lib.warehouse import WAREHOUSE_POOL
from ml import cross_sell
from ml.store import replace_table

FEATURES = [
    dg.AssetKey(["features", "feat_customers"]),
    dg.AssetKey(["features", "feat_customer_purchases"]),
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ml", "cross_sell_scores"],
            deps=FEATURES,
            group_name="ml",
            kinds={"scikitlearn", "duckdb"},
            description=(
                "Each customer's probability of buying another policy in the next 12 months, "
                "propensity decile and next best product type."
            ),
        ),
        dg.AssetSpec(
            ["ml", "cross_sell_metrics"],
            deps=FEATURES,
            group_name="ml",
            kinds={"scikitlearn", "duckdb"},
            description=(
                "Each cross-sell candidate setting's cross-validated figures in the training "
                "window (validation_*), the chosen one's out-of-time evaluation beside the "
                "truth's (ROC AUC, PR AUC, Brier, calibration error, precision and lift at the "
                "list's depth, bootstrap intervals), and the next best product's accuracy "
                "against naming the most common product the customer does not hold."
            ),
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def cross_sell_model(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    with warehouse.get_connection() as con:
        result = cross_sell.run(con)
        scored = replace_table(con, "ml.cross_sell_scores", result.scores)
        replace_table(con, "ml.cross_sell_metrics", result.metrics)
    # the evaluation window's figures (the search's are in the table, one row per setting)
    metrics = {
        f"{row.model_name}: {row.metric}": float(row.value)
        for row in result.metrics.itertuples()
        if not row.metric.startswith("validation_")
    }
    for registered in result.registered:
        context.log.info(f"{registered.model_name} v{registered.version}: {registered.reason}")
    if result.unscored:
        context.log.warning(f"no customer scored: {result.unscored}")
    yield dg.MaterializeResult(
        asset_key=["ml", "cross_sell_scores"],
        metadata={
            "customers_scored": scored,
            "model": result.chosen,
            "not_scored_because": result.unscored or "",
            **{
                f"{registered.model_name}_version": registered.version
                for registered in result.registered
            },
        },
    )
    yield dg.MaterializeResult(
        asset_key=["ml", "cross_sell_metrics"],
        metadata={
            "chosen_model": result.chosen,
            **{name: dg.FloatMetadataValue(value) for name, value in metrics.items()},
        },
    )
