"""Customer value as assets: each customer's margin, expected future value and deciles, and how
value concentrates across the tenths of current customers."""

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
                "× survival from the lapse model, discounted) and value score; current customers' "
                "deciles by margin and by value score, former customers' by value (10 = top)."
            ),
        ),
        dg.AssetSpec(
            ["ml", "value_concentration"],
            deps=[dg.AssetKey(["ml", "customer_value"])],
            group_name="ml",
            kinds={"duckdb"},
            description=(
                "Each tenth of current customers' share of their historical margin (ranked by "
                "margin, the paper's value bands) and of their value score (ranked by it)."
            ),
        ),
    ],
    pool=WAREHOUSE_POOL,
)
def customer_value(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    with warehouse.get_connection() as con:
        shares = value.run(con)
        customers, current = con.execute(
            "select count(*), count(*) filter (where is_current_customer) from ml.customer_value"
        ).fetchall()[0]
        table = con.sql("select * from ml.value_concentration").to_arrow_table().to_pandas()
    if current:
        context.log.info(
            f"valued {customers} customers, {current} of them current; by historical margin the "
            f"top tenth of current customers holds {shares['decile_10']:.1%} and the bottom "
            f"{shares['decile_1']:.1%}; by value score {shares['value_score_decile_10']:.1%} "
            f"and {shares['value_score_decile_1']:.1%}"
        )
    yield dg.MaterializeResult(
        asset_key=["ml", "customer_value"],
        metadata={"customers": customers, "current_customers": current},
    )
    yield dg.MaterializeResult(
        asset_key=["ml", "value_concentration"],
        metadata={
            **{name: dg.FloatMetadataValue(share) for name, share in shares.items()},
            "concentration": dg.MetadataValue.md(table.round(3).to_markdown(index=False)),
        },
    )
