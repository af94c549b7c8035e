"""How much of the customer base the purchased household data reaches, as an asset check.

A check of its own rather than metadata of the vendor's raw asset: loading the vendor's file
after the customers' would make the raw assets wait on the dbt step that tests the customers'
source, and split the dbt graph into more steps than it needs.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.lib.warehouse import WAREHOUSE_POOL
from lifecrm.quality.vendor_match import match_rate

# Below this, the vendor's hashing or our national IDs have probably changed: worth a look.
MIN_CUSTOMER_MATCH_RATE = 0.5


@dg.asset_check(
    asset=dg.AssetKey(["raw", "external_households"]),
    additional_deps=[dg.AssetKey(["raw", "customers"])],
    pool=WAREHOUSE_POOL,
    description=(
        "Share of customers the vendor's household records reach by the sha256 of the national "
        f"ID; warns below {MIN_CUSTOMER_MATCH_RATE:.0%}."
    ),
)
def vendor_match_rate(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource):
    with warehouse.get_connection() as con:
        rate = match_rate(con)
    context.log.info(f"the vendor's data matches {rate['customer_match_rate']:.1%} of customers")
    return dg.AssetCheckResult(
        passed=rate["customer_match_rate"] >= MIN_CUSTOMER_MATCH_RATE,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{rate['matched']} of {rate['customers']} customers matched",
        metadata={name: float(value) for name, value in rate.items()},
    )
