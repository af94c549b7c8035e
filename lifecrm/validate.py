"""`lifecrm validate`: gate a batch in CI without publishing anything.

The batch is loaded into a scratch copy of the warehouse (in a temporary data directory whose
landing folder is the real one), every suite runs on its files as it would in a run, then dbt
builds and tests the models on that copy. The outcome is printed per export and written as a
JUnit XML report that any CI system can show. Blocking failures: a refused file (missing or
renamed column, unreadable file, checksum mismatch, too many bad rows) that nobody has decided on
(`lifecrm landing`), or a failed dbt test. A batch that never landed is bad input (LandingError).
"""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from lifecrm import settings
from lifecrm.dbt_cli import run_dbt
from lifecrm.ingest import decisions
from lifecrm.ingest.contract import required_columns
from lifecrm.ingest.exports import EXPORTS
from lifecrm.ingest.landing import LandingError, batch_dirs, export_files, parse_batch_name
from lifecrm.ingest.raw_loader import load_export
from lifecrm.publish import copy_published
from lifecrm.quality import quarantine
from lifecrm.quality.gx_suites import validate_files
from lifecrm.warehouse_file import duckdb_limits


@dataclass
class Case:
    suite: str
    name: str
    failure: str | None = None  # blocking
    note: str = ""


@dataclass
class Report:
    cases: list[Case] = field(default_factory=list)

    @property
    def blocking(self) -> list[Case]:
        return [c for c in self.cases if c.failure]

    def junit(self, path: Path) -> None:
        suites = ET.Element("testsuites", name="lifecrm validate")
        by_suite: dict[str, list[Case]] = {}
        for case in self.cases:
            by_suite.setdefault(case.suite, []).append(case)
        for name, cases in by_suite.items():
            failures = sum(1 for c in cases if c.failure)
            suite = ET.SubElement(
                suites, "testsuite", name=name, tests=str(len(cases)), failures=str(failures)
            )
            for case in cases:
                element = ET.SubElement(suite, "testcase", classname=name, name=case.name)
                if case.failure:
                    ET.SubElement(
                        element, "failure", message=case.failure[:500]
                    ).text = case.failure
                if case.note:
                    ET.SubElement(element, "system-out").text = case.note
        path.parent.mkdir(parents=True, exist_ok=True)
        ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def _validate_exports(con: duckdb.DuckDBPyConnection, batch: date | None, report: Report) -> None:
    decided = decisions.read_all()  # a refusal the data team decided on is not a failure
    for export in EXPORTS:
        suite = f"exports.{export}"
        try:
            files = [
                f
                for f in export_files(settings.landing_dir(), export)
                if batch in (None, f.batch_date)
            ]
        except LandingError as exc:
            if "no batch" in str(exc):
                continue
            report.cases.append(Case(suite, "delivery", failure=str(exc)))
            continue
        if not files:
            continue
        loaded = load_export(con, export, files, required_columns(export), decisions=decided)
        report.cases.append(
            Case(
                suite,
                "load",
                note=f"{loaded.rows_loaded} rows loaded, {loaded.rows_quarantined} unreadable",
            )
        )
        for refused in loaded.refused:
            name = refused.split(": ", 1)[0]
            report.cases.append(Case(suite, f"refused {name}", failure=refused))
        for name in loaded.waiting:
            report.cases.append(
                Case(suite, f"waiting {name}", note="not read: it waits behind a refused file")
            )
        # every file of the batch that is loaded is validated, now or before: the rules may
        # have changed
        targets = [
            row[0]
            for row in con.execute(
                "select source_file from raw.load_manifest where export = ? "
                "and batch_failure is null and list_contains(?, source_file)",
                [export, [str(f.path) for f in files]],
            ).fetchall()
        ]
        if not targets:
            continue
        outcome = validate_files(con, f"raw.{export}", f"raw_{export}", files=targets)
        refused = quarantine.record(con, export, outcome, targets)
        for rule in outcome.outcomes:
            note = f"{rule.unexpected_count} of {rule.element_count} rows quarantined"
            failure = None
            if rule.level == "batch" and not rule.success:
                failure = f"{rule.rule} failed"
            report.cases.append(Case(suite, rule.rule, failure=failure, note=note))
        for file, reason in refused.items():
            report.cases.append(
                Case(suite, f"refused {Path(file).name}", failure=f"{file}: {reason}")
            )


def _check_landing(batch: date | None) -> None:
    """Bad input is an error (the CLI's exit 2), said once, before anything is loaded."""
    landed = batch_dirs(settings.landing_dir())  # raises when there is no landing folder
    if not landed:
        raise LandingError(f"no batch in {settings.landing_dir()}: run `lifecrm generate` first")
    days = sorted({parse_batch_name(d.name)[0] for d in landed})
    if batch is not None and batch not in days:
        raise LandingError(
            f"no batch {batch} in {settings.landing_dir()}: the landed batches run from "
            f"{days[0]} to {days[-1]}"
        )


def _dbt_build(scratch: Path, report: Report) -> None:
    # the models that read the ml schema need the Python models' output: not built here
    done = run_dbt(
        ["build", "--exclude", "source:ml+"],
        data_dir=scratch,
        artefacts=scratch / "dbt",
        key_from=settings.data_dir(),
    )
    results = scratch / "dbt" / "run_results.json"
    if not results.is_file():
        report.cases.append(Case("dbt", "build", failure=done.stdout[-2000:] + done.stderr[-2000:]))
        return
    for result in json.loads(results.read_text())["results"]:
        node = result["unique_id"]
        failed = result["status"] in ("fail", "error")
        report.cases.append(
            Case(
                "dbt", node, failure=(result.get("message") or result["status"]) if failed else None
            )
        )


def validate(batch: date | None, junit: Path, run_dbt: bool = True) -> Report:
    """Validate the landed batches (or one) on a scratch copy of the warehouse."""
    _check_landing(batch)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="lifecrm-validate-") as tmp:
        scratch = Path(tmp)
        warehouse = scratch / "warehouse" / settings.WAREHOUSE_FILE
        copy_published(warehouse)  # as a run starts its working copy
        con = duckdb.connect(str(warehouse), config=duckdb_limits())
        try:
            _validate_exports(con, batch, report)
        finally:
            con.close()
        if run_dbt and not report.blocking:
            _dbt_build(scratch, report)
    report.junit(junit)
    return report
