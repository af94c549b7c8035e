"""Great Expectations suites as blocking asset checks on the raw tables they validate.

A suite's check is declared on the raw asset itself and evaluated in the same step, right after
the load: if it fails with ERROR severity, the step fails and nothing downstream of that raw
table runs. (A separate `@asset_check` would not hold the dbt assets back: they carry dbt's source
tests on the same raw tables, and Dagster exempts an asset that checks an upstream key from that
key's blocking checks.) Row-level failures under the threshold are quarantined and reported as a
WARN; batch-level failures (a missing column, an empty file, too many bad rows) are an ERROR.
"""

import dagster as dg
import duckdb

from lifecrm.quality import quarantine
from lifecrm.quality.gx_suites import SUITES_DIR, validate_files


def suite_name(export: str) -> str | None:
    name = f"raw_{export}"
    return name if (SUITES_DIR / f"{name}.json").is_file() else None


def gx_check_specs(export: str) -> list[dg.AssetCheckSpec]:
    suite = suite_name(export)
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


def gx_check_results(
    export: str, con: duckdb.DuckDBPyConnection, new_files: list[str]
) -> list[dg.AssetCheckResult]:
    suite = suite_name(export)
    if suite is None:
        return []
    outcome = validate_files(con, f"raw.{export}", suite, files=new_files) if new_files else None
    refused = quarantine.record(con, export, outcome, new_files) if outcome else {}
    quarantine.ensure_accounting(con)
    # The export's state over every file loaded, this run's and earlier ones.
    files, rows_read, rows_quarantined, refused_before = con.execute(
        "select count(*), sum(rows_read), sum(rows_quarantined), "
        "list(source_file || ': ' || batch_failure) filter (where batch_failure is not null) "
        "from raw.row_accounting where export = ?",
        [export],
    ).fetchall()[0]
    failed_rules = (
        [f"{o.rule}: {o.unexpected_count} rows" for o in outcome.failed] if outcome else []
    )
    if refused_before:
        severity, passed = dg.AssetCheckSeverity.ERROR, False
        summary = "refused: " + "; ".join(refused_before)
    elif rows_quarantined:
        severity, passed = dg.AssetCheckSeverity.WARN, False
        summary = f"{rows_quarantined} of {rows_read} rows quarantined"
    else:
        severity, passed = dg.AssetCheckSeverity.ERROR, True
        summary = f"all {rows_read} rows passed"
    description = summary + (" (" + "; ".join(failed_rules) + ")" if failed_rules else "")
    return [
        dg.AssetCheckResult(
            check_name=f"gx_{suite}",
            passed=passed,
            severity=severity,
            description=description[:2000],
            metadata={
                "files": files,
                "files_validated_now": len(new_files),
                "rows_read": int(rows_read or 0),
                "rows_quarantined": int(rows_quarantined or 0),
                "files_refused_now": len(refused),
                "rules_broken_now": len(failed_rules),
                **_data_docs_links(outcome),
            },
        )
    ]


def _data_docs_links(outcome) -> dict[str, dg.MetadataValue]:
    """The GX Data Docs site and the page of each file validated in this run."""
    if outcome is None or outcome.data_docs is None:
        return {}
    links = {"data_docs": dg.MetadataValue.url(outcome.data_docs)}
    for file, page in outcome.data_docs_pages.items():
        links[f"data_docs: {file}"] = dg.MetadataValue.url(page)
    return links
