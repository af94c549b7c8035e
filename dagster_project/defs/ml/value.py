"""Customer value as assets: each customer's margin, expected future value and decile, and how
value concentrates across the deciles."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.lib.warehouse import WAREHOUSE_POOL
from ml import value

INPUTS = [
    dg.AssetKey(["features", "feat_policy_margins"]),
    dg.AssetKey(["ml", "policy_lapse_scores"]),
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ml", "customer_value"],
            deps=INPUTS,
            group_name="ml",
            kinds={"duckdb"},
            description=(
                "Each customer's historical margin, expected future value (remaining premiums "
                "× survival from the lapse model, discounted), value score and decile (10 = top)."
            ),
        ),
        dg.AssetSpec(
            ["ml", "value_concentration"],
            deps=[dg.AssetKey(["ml", "customer_value"])],
            group_name="ml",
            kinds={"duckdb"},
            description="Each value decile's share of total value, highest first.",
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def customer_value(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    with warehouse.get_connection() as con:
        shares = value.run(con)
        (customers,) = con.execute("select count(*) from ml.customer_value").fetchall()[0]
        table = con.sql("select * from ml.value_concentration").to_arrow_table().to_pandas()
    context.log.info(
        f"valued {customers} customers; top decile {shares['decile_10']:.1%} of value, "
        f"bottom decile {shares['decile_1']:.1%}"
    )
    yield dg.MaterializeResult(
        asset_key=["ml", "customer_value"],
        metadata={"customers": customers},
    )
    yield dg.MaterializeResult(
        asset_key=["ml", "value_concentration"],
        metadata={
            **{name: dg.FloatMetadataValue(share) for name, share in shares.items()},
            "concentration": dg.MetadataValue.md(table.round(3).to_markdown(index=False)),
        },
    )
