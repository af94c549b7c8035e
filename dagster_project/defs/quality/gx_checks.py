"""Great Expectations suites as blocking asset checks on the raw tables they validate.

A suite's check is declared on the raw asset itself and evaluated in the same step, right after
the load: if it fails with ERROR severity, the step fails and nothing downstream of that raw
table runs. (A separate `@asset_check` would not hold the dbt assets back: they carry dbt's source
tests on the same raw tables, and Dagster exempts an asset that checks an upstream key from that
key's blocking checks.) Row-level failures under the threshold are quarantined and reported as a
WARN. A refused file (a batch rule failing, too many bad rows, or refused by the loader) is a WARN
too: its export's later batches wait behind it while the other exports go on, until it is re-sent
or decided on (`lifecrm landing`). Only an export with nothing loaded at all is an ERROR.
"""

import dagster as dg
import duckdb

from lifecrm.ingest.raw_loader import LoadResult
from lifecrm.quality import data_docs, quarantine
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


class SuiteValidator:
    """The export's suite as the loader's `validate` callback: validates each file as it is
    loaded (so a refused file stops its export before the later ones are read), quarantines its
    failing rows and keeps the outcomes for the check's Data Docs links."""

    def __init__(self, export: str) -> None:
        self.suite = suite_name(export)
        self.outcomes: list = []

    def __call__(self, con: duckdb.DuckDBPyConnection, export: str, file: str, accept: bool):
        if self.suite is None:
            return None
        outcome = validate_files(con, f"raw.{export}", self.suite, files=[file])
        self.outcomes.append(outcome)
        return quarantine.record(con, export, outcome, [file], accept=accept).get(file)


def gx_check_results(
    export: str, con: duckdb.DuckDBPyConnection, result: LoadResult, validator: SuiteValidator
) -> list[dg.AssetCheckResult]:
    """The suite's verdict on the export as it now stands in the warehouse, every file loaded so
    far. An open refusal is a WARN (the export's later batches wait; the other exports go on) that
    says how to resolve it; an export with nothing loaded at all is an ERROR (nothing downstream
    can be built from it)."""
    suite = validator.suite
    if suite is None:
        return []
    quarantine.ensure_accounting(con)
    files, loaded, rows_read, rows_quarantined, refused = con.execute(
        "select count(*), count(*) filter (where status in ('loaded', 'accepted')), "
        "sum(rows_read), sum(rows_quarantined), "
        "list(regexp_extract(source_file, '[^/]+/[^/]+$') || ': ' || batch_failure "
        "order by batch_date, source_file) "
        "filter (where status = 'refused') "
        "from raw.row_accounting where export = ?",
        [export],
    ).fetchall()[0]
    broken = [f"{o.rule}: {o.unexpected_count} rows" for v in validator.outcomes for o in v.failed]
    if not loaded:
        severity, passed = dg.AssetCheckSeverity.ERROR, False
        summary = (
            "refused: " + "; ".join(refused or ["no file"])
            + "; nothing of this export is loaded, so nothing downstream of it is built; "
            "to resolve: `lifecrm landing status`"
        )  # fmt: skip
    elif refused:
        severity, passed = dg.AssetCheckSeverity.WARN, False
        summary = (
            "refused: " + "; ".join(refused)
            + (f"; waiting behind it: {', '.join(result.waiting)}" if result.waiting else "")
            + "; to resolve: `lifecrm landing status`"
        )  # fmt: skip
    elif rows_quarantined:
        severity, passed = dg.AssetCheckSeverity.WARN, False
        summary = f"{rows_quarantined} of {rows_read} rows quarantined"
    else:
        severity, passed = dg.AssetCheckSeverity.ERROR, True
        summary = f"all {rows_read} rows passed"
    description = summary + (" (" + "; ".join(broken) + ")" if broken else "")
    links: dict[str, dg.MetadataValue] = {}
    for outcome in validator.outcomes:
        links.update(_data_docs_links(outcome))
    return [
        dg.AssetCheckResult(
            check_name=f"gx_{suite}",
            passed=passed,
            severity=severity,
            description=description[:2000],
            metadata={
                "files": files,
                "files_validated_now": len(validator.outcomes),
                "rows_read": int(rows_read or 0),
                "rows_quarantined": int(rows_quarantined or 0),
                "files_refused": len(refused or []),
                "files_waiting": len(result.waiting),
                "rules_broken_now": len(broken),
                **links,
            },
        )
    ]


def _data_docs_links(outcome) -> dict[str, dg.MetadataValue]:
    """The Data Docs of the files validated in this run, in a form the Dagster UI opens: each
    file's summary as Markdown (the rules broken, counts, a few masked failing rows), which the
    UI renders in place, and the paths of the offline pages. A `file://` link would do nothing
    there: a web page may not open files of the disk."""
    if outcome is None or outcome.data_docs is None:
        return {}
    links: dict[str, dg.MetadataValue] = {"data_docs": dg.MetadataValue.path(outcome.data_docs)}
    for file, page in outcome.data_docs_pages.items():
        links[f"data_docs: {file}"] = dg.MetadataValue.md(data_docs.page_markdown(page))
    return links
