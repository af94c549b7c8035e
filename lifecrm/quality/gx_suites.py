"""Run a committed Great Expectations suite on the files just loaded into a raw table.

Each file is validated on its own (keys must be unique within a batch, not across
re-deliveries) by GX's SQL execution engine over the warehouse (lifecrm/quality/gx_duckdb.py):
its rows are first written, repaired as staging repairs them (lifecrm/quality/repairs.py: the
same SQL), to a table the suite is run on, so that only invalid values fail. That table is in
an in-memory database attached for the purpose (not written to the warehouse file, compressed
and checkpointed only to be dropped; DuckDB spills it under its memory limit). The rows each
row-level rule rejects are selected in DuckDB from GX's own `unexpected_index_query`, named by
source file and line with the rules they broke, for `quarantine.<export>`. No row reaches
Python: memory is DuckDB's, bounded by its memory limit.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import great_expectations as gx
import pyarrow as pa

import lifecrm.quality.national_id_expectation  # noqa: F401 (registers the custom expectation)
from lifecrm.db import quote_identifier, quote_literal, scalar, table_exists
from lifecrm.quality.data_docs import DataDocs
from lifecrm.quality.gx_duckdb import UNIQUE, DuckDBValidator
from lifecrm.quality.repairs import checked_rows_sql
from lifecrm.quality.suite_builder import AS_DATE
from lifecrm.settings import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"
# A row of the file being checked is its line: the file's name, the same on every row, is not
# written out again with each (on a 17 M-row file that alone would be a gigabyte in memory);
# the failing rows get it back.
IDENTITY = ["_source_line"]
CHECKING_DATABASE = "_lifecrm_checking_rows"  # in memory: the repaired rows being validated
NO_FAILING_ROWS = pa.schema(
    [("_source_file", pa.string()), ("_source_line", pa.int64()), ("_rules", pa.list_(pa.string()))]
)


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    level: str
    success: bool
    element_count: int = 0
    unexpected_count: int = 0

    @property
    def rule(self) -> str:
        return f"{self.expectation}({self.column})" if self.column else self.expectation


@dataclass
class SuiteOutcome:
    suite: str
    table: str
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    # every failing row once: _source_file, _source_line, _rules (the rules it broke, sorted)
    failing: pa.Table = field(default_factory=NO_FAILING_ROWS.empty_table)
    data_docs: str | None = None  # the Data Docs site's index
    data_docs_pages: dict[str, str] = field(default_factory=dict)  # batch and file -> its page

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def batch_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.failed if o.level == "batch"]

    @property
    def failing_rows(self) -> dict[tuple[str, int], list[str]]:
        """The failing rows as a mapping (for reading; ingestion itself keeps them in Arrow)."""
        rows = self.failing.to_pydict()
        return {
            (file, line): rules
            for file, line, rules in zip(
                rows["_source_file"], rows["_source_line"], rows["_rules"], strict=True
            )
        }


def load_suite(name: str, suites_dir: Path = SUITES_DIR) -> tuple[gx.ExpectationSuite, dict]:
    path = suites_dir / f"{name}.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(
        name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta")
    )
    # GX logs and skips an expectation it cannot parse; a rule must never vanish silently.
    if len(suite.expectations) != len(spec["expectations"]):
        raise ValueError(
            f"{path}: {len(spec['expectations'])} expectations written but only "
            f"{len(suite.expectations)} are valid; see the GX log for the rejected ones"
        )
    return suite, spec


def unread(suite: gx.ExpectationSuite, columns: list[str]) -> frozenset[str]:
    """The columns no expectation of `suite` reads (a table-level rule reads their names only;
    a date rule on `<name>__as_date` reads `<name>`)."""
    read = set()
    for expectation in suite.expectations:
        kwargs = expectation.configuration.kwargs
        for key in ("column", "column_A", "column_B"):
            if key in kwargs:
                read.add(kwargs[key].removesuffix(AS_DATE))
        read.update(kwargs.get("column_list") or [])
    return frozenset(c for c in columns if c not in read)


def validate_files(
    con: duckdb.DuckDBPyConnection,
    table: str,
    suite_name: str,
    files: list[str] | None = None,
    data_docs: bool = True,
) -> SuiteOutcome:
    """Validate the rows of `table` from `files` (every file when None), file by file, and
    publish the results as Data Docs under the data directory (unless `data_docs` is False)."""
    suite, spec = load_suite(suite_name)
    docs = DataDocs(suite) if data_docs else None
    meta = spec.get("meta", {})
    if files is None:
        files = [
            r[0]
            for r in con.execute(f"select distinct _source_file from {table} order by 1").fetchall()
        ]
    schema, name = table.split(".")
    # the delivered columns and the rows' identity: what the rules read (lifecrm's other
    # columns, the batch date and load, are not written out again)
    columns = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
        if not r[0].startswith("_") or r[0] in IDENTITY
    ]
    batch_dates = dict(  # of the files validated, not every file the table holds
        con.execute(
            f"select _source_file, max(_batch_date) from {table} "
            "where list_contains(?, _source_file) group by 1",
            [files],
        ).fetchall()
    )
    # A daily delta may hold no rows of an export; an initial full extract may not.
    deltas = (
        {
            row[0]
            for row in con.execute(
                "select source_file from raw.load_manifest where batch_kind = 'delta'"
            ).fetchall()
        }
        if table_exists(con, "raw", "load_manifest")
        else set()
    )
    merged: dict[int, ExpectationOutcome] = {}
    failing = [NO_FAILING_ROWS.empty_table()]
    total_rows = 0
    con.execute(f"attach if not exists ':memory:' as {CHECKING_DATABASE}")
    with DuckDBValidator(con) as validator:
        for file in files:
            checking = (
                f"{CHECKING_DATABASE}.main.{quote_identifier(f'{name}_{uuid.uuid4().hex[:12]}')}"
            )
            try:
                con.execute(
                    f"create table {checking} as "
                    + checked_rows_sql(
                        table, columns, meta, "_source_file = $file", unread(suite, columns)
                    ),
                    {"file": file},
                )
                result = validator.validate(
                    suite,
                    table=checking,
                    expectation_parameters={
                        "batch_date": batch_dates.get(file, date.max),
                        "min_rows": 0 if file in deltas else 1,
                    },
                    identity=IDENTITY,
                )
                rows = (
                    con.sql(
                        f"select {quote_literal(file)} as _source_file, "
                        "cast(_source_line as bigint) as _source_line, "
                        f"_rules from ({result.failing_rows_sql()}) as f"
                    )
                    .to_arrow_table()
                    .cast(NO_FAILING_ROWS)
                )
                failing.append(rows)
                broken = dict(
                    con.sql(
                        "select rule, count(*) from (select unnest(_rules) as rule from rows) "
                        "group by rule"
                    ).fetchall()
                )
                result.check_failing_counts(broken)
                for rule in result.results:
                    outcome = merged.setdefault(
                        rule.index,
                        ExpectationOutcome(rule.expectation, rule.column, rule.level, True),
                    )
                    outcome.element_count += rule.element_count
                    if rule.expectation == UNIQUE:  # only a key's later copies break it
                        outcome.unexpected_count += broken.get(rule.rule, 0)
                        outcome.success = outcome.success and not broken.get(rule.rule)
                    else:
                        outcome.unexpected_count += rule.unexpected_count
                        outcome.success = outcome.success and rule.success
                total_rows += scalar(con, f"select count(*) from {checking}")
                if docs:
                    docs.add(file, result.validation)
            finally:
                con.execute(f"drop table if exists {checking}")
    index = docs.publish() if docs and files else None
    return SuiteOutcome(
        suite_name,
        table,
        total_rows,
        list(merged.values()),
        pa.concat_tables(failing),
        data_docs=index,
        data_docs_pages=docs.pages if index else {},
    )
