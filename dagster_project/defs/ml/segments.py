"""Customer segmentation as assets: each customer's segment and a profile of each segment."""

import dagster as dg
from dagster_duckdb import DuckDBResource
from sklearn.metrics import adjusted_rand_score

from dagster_project.lib.warehouse import WAREHOUSE_POOL
from ml import segments
from ml.oracle import true_segments
from ml.store import replace_table

FEATURES = dg.AssetKey(["features", "feat_customers"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ml", "customer_segments"],
            deps=[FEATURES],
            group_name="ml",
            kinds={"scikitlearn", "duckdb"},
            description="The segment of each customer holding a policy (k-means, k by silhouette).",
        ),
        dg.AssetSpec(
            ["ml", "segment_profiles"],
            deps=[FEATURES],
            group_name="ml",
            kinds={"scikitlearn", "duckdb"},
            description="Size, age, premium, lapse and product mix, and a name, per segment.",
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def customer_segmentation(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    with warehouse.get_connection() as con:
        result, registered = segments.run(con)
        truth = true_segments(con, result.assignments["customer_key"])
        replace_table(con, "ml.customer_segments", result.assignments)
        replace_table(con, "ml.segment_profiles", result.profiles)
    context.log.info(f"{registered.model_name} v{registered.version}: {registered.reason}")
    quality = {
        "segments": result.k,
        "registered_version": registered.version,
        "promotion": registered.reason,
        "silhouette": dg.FloatMetadataValue(result.silhouette),
        **{f"silhouette_k{k}": dg.FloatMetadataValue(v) for k, v in result.silhouette_by_k.items()},
    }
    if truth is not None:
        known = [(t, s) for t, s in zip(truth, result.assignments["segment_id"], strict=True) if t]
        ari = adjusted_rand_score([t for t, _ in known], [s for _, s in known])
        quality["adjusted_rand_index_vs_truth"] = dg.FloatMetadataValue(float(ari))
        context.log.info(f"agreement with the simulator's true segments: ARI {ari:.3f}")
    yield dg.MaterializeResult(
        asset_key=["ml", "customer_segments"],
        metadata={"customers": len(result.assignments), **quality},
    )
    yield dg.MaterializeResult(
        asset_key=["ml", "segment_profiles"],
        metadata={
            **quality,
            "profiles": dg.MetadataValue.md(result.profiles.to_markdown(index=False)),
        },
    )
