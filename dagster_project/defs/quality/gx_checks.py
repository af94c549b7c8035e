"""Great Expectations suites surfaced as blocking Dagster asset checks on the raw tables."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from dagster_project.lib.warehouse import WAREHOUSE_POOL
from lifecrm.quality.gx_suites import validate_table

# raw table -> the suite in expectations/suites/ that holds its rules
SUITES = {"customers": "raw_customers"}


def gx_suite_check(export: str, suite: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["raw", export]),
        name=f"gx_{suite}",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=f"Great Expectations suite `{suite}` (expectations/suites/{suite}.json).",
    )
    def _check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            outcome = validate_table(con, f"raw.{export}", suite)
        failed = [
            f"{o.expectation}({o.column or ''}): {o.unexpected_count} of {o.element_count} rows"
            for o in outcome.failed
        ]
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(failed) if failed else f"all {len(outcome.outcomes)} expectations met",
            metadata={
                "rows": outcome.rows,
                "chunks": outcome.chunks,
                "expectations": len(outcome.outcomes),
                "failed_expectations": len(failed),
                "unexpected_rows": sum(o.unexpected_count for o in outcome.outcomes),
            },
        )

    return _check


gx_checks = [gx_suite_check(export, suite) for export, suite in SUITES.items()]
