"""Great Expectations suites as blocking asset checks on the raw tables they validate.

A suite's check is declared on the raw asset itself and evaluated in the same step, right after
the load: if it fails, the step fails and nothing downstream of that raw table runs. (A separate
`@asset_check` would not hold the dbt assets back: they carry dbt's source tests on the same raw
tables, and Dagster exempts an asset that checks an upstream key from that key's blocking checks.)
"""

import dagster as dg
import duckdb

from lifecrm.quality.gx_suites import validate_table

# raw table -> the suite in expectations/suites/ that holds its rules
SUITES = {"customers": "raw_customers"}


def gx_check_specs(export: str) -> list[dg.AssetCheckSpec]:
    suite = SUITES.get(export)
    if suite is None:
        return []
    return [
        dg.AssetCheckSpec(
            name=f"gx_{suite}",
            asset=dg.AssetKey(["raw", export]),
            blocking=True,
            description=f"Great Expectations suite `{suite}` (expectations/suites/{suite}.json).",
        )
    ]


def gx_check_results(export: str, con: duckdb.DuckDBPyConnection) -> list[dg.AssetCheckResult]:
    suite = SUITES.get(export)
    if suite is None:
        return []
    outcome = validate_table(con, f"raw.{export}", suite)
    failed = [
        f"{o.expectation}({o.column or ''}): {o.unexpected_count} of {o.element_count} rows"
        for o in outcome.failed
    ]
    return [
        dg.AssetCheckResult(
            check_name=f"gx_{suite}",
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(failed)
            if failed
            else f"all {len(outcome.outcomes)} expectations met",
            metadata={
                "rows": outcome.rows,
                "chunks": outcome.chunks,
                "expectations": len(outcome.outcomes),
                "failed_expectations": len(failed),
                "unexpected_values": sum(o.unexpected_count for o in outcome.outcomes),
            },
        )
    ]
