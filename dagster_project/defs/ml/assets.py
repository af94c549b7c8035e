"""scikit-learn assets: thin wrappers around the `ml` library, writing to the `ml` schema."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.lib.warehouse import WAREHOUSE_POOL
from ml import lapse_model
from ml.store import replace_table

FEATURES = [
    dg.AssetKey(["features", "feat_policies"]),
    dg.AssetKey(["features", "feat_policy_outcomes"]),
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ml", "policy_lapse_scores"],
            deps=FEATURES,
            group_name="ml",
            kinds={"scikitlearn", "duckdb"},
            description="12-month lapse probability of each policy in force on the last data date.",
        ),
        dg.AssetSpec(
            ["ml", "model_metrics"],
            deps=FEATURES,
            group_name="ml",
            kinds={"scikitlearn", "duckdb"},
            description=(
                "Each lapse candidate setting's cross-validated figures in the training window "
                "(validation_*), and the chosen one's out-of-time evaluation beside the truth's "
                "(ROC AUC, PR AUC, Brier, calibration error, lift, precision and lift at the "
                "worklist's depth and the retention threshold, bootstrap intervals)."
            ),
        ),
        dg.AssetSpec(
            ["ml", "model_registry"],
            deps=FEATURES,
            group_name="ml",
            kinds={"scikitlearn", "duckdb"},
            description=(
                "Every trained model: window, features, hyper-parameters, metrics, artefact "
                "and sha256, and whether (and why) it was promoted to score."
            ),
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def lapse_risk_model(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    with warehouse.get_connection() as con:
        result = lapse_model.run(con)
        scored = replace_table(con, "ml.policy_lapse_scores", result.scores)
        replace_table(con, "ml.model_metrics", result.metrics)
    # the evaluation window's figures (the search's are in the table, one row per setting)
    metrics = {
        f"{row.model_name}: {row.metric}": float(row.value)
        for row in result.metrics.itertuples()
        if not row.metric.startswith("validation_")
    }
    registered = result.registered
    context.log.info(
        f"{registered.model_name} v{registered.version} ({result.chosen}) {registered.reason}"
    )
    context.log.info(f"scored {scored} in-force policies; {metrics}")
    yield dg.MaterializeResult(
        asset_key=["ml", "policy_lapse_scores"],
        metadata={
            "policies_scored": scored,
            "model": result.chosen,
            "registered_version": registered.version,
            "promotion": registered.reason,
        },
    )
    yield dg.MaterializeResult(
        asset_key=["ml", "model_metrics"],
        metadata={
            "chosen_model": result.chosen,
            **{name: dg.FloatMetadataValue(value) for name, value in metrics.items()},
            # the calibration curve, out of time: mean score beside observed rate per tenth
            "calibration": dg.MetadataValue.md(
                result.calibration.round(4).to_markdown(index=False)
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["ml", "model_registry"],
        metadata={
            "model": registered.model_name,
            "version": registered.version,
            "promoted": registered.promoted,
            "reason": registered.reason,
            "artefact": dg.MetadataValue.path(registered.artefact),
        },
    )
