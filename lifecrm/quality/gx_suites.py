"""Run a committed Great Expectations suite on the files just loaded into a raw table.

Each file is validated on its own (keys must be unique within a batch, not across re-deliveries),
in chunks of at most `chunk_rows` rows so memory stays bounded. Chunks partition a file's rows by
a hash of the key, so duplicate keys always meet in one chunk. Before GX sees them, the
repairable forms are normalised (full-width characters, stray whitespace, Republic of China
dates), so that only invalid values fail. GX names each failing row by its source file and line;
those rows go to `quarantine.<export>` with the names of the rules they broke.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

import lifecrm.quality.national_id_expectation  # noqa: F401 (registers the custom expectation)
from lifecrm.db import scalar, table_exists
from lifecrm.quality.data_docs import DataDocs
from lifecrm.quality.suite_builder import AS_DATE
from lifecrm.settings import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"
DEFAULT_CHUNK_ROWS = 250_000
IDENTITY = ["_source_file", "_source_line"]
ROC_SLASHED = re.compile(r"^(\d{2,3})/(\d{2})/(\d{2})$")
ROC_COMPACT = re.compile(r"^(\d{2,3})(\d{2})(\d{2})$")


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
    chunks: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    failing_rows: dict[tuple[str, int], list[str]] = field(default_factory=dict)
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


def _roc_to_iso(value: str) -> str:
    match = ROC_SLASHED.match(value) or (ROC_COMPACT.match(value) if len(value) in (6, 7) else None)
    if not match:
        return value
    year, month, day = match.groups()
    return f"{int(year) + 1911:04d}-{month}-{day}"


def normalise(frame: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """The repairable forms in their canonical form, as staging will repair them."""
    out = frame.copy()
    for column in out.columns:
        if column.startswith("_"):
            continue
        values = out[column].astype("string").str.normalize("NFKC").str.strip()
        out[column] = values.astype(object).where(values.notna(), None)  # plain str or None
    for column in meta.get("date_columns", []):
        if column in out:
            out[column] = out[column].map(lambda v: _roc_to_iso(v) if isinstance(v, str) else v)
            parsed = pd.to_datetime(out[column], format="%Y-%m-%d", errors="coerce")
            # a date written in a valid form but not on the calendar (2023-02-30) is no date:
            # the latest date there is fails the rule that it is not after the batch
            unparsable = out[column].notna() & parsed.isna()
            out[column + AS_DATE] = pd.Series(
                [
                    date.max if bad else (d.date() if not pd.isna(d) else None)
                    for d, bad in zip(parsed, unparsable, strict=True)
                ],
                index=out.index,
                dtype=object,
            )
    for column in meta.get("amount_columns", []):
        if column in out:
            numbers = pd.to_numeric(out[column], errors="coerce")
            unparsable = out[column].notna() & numbers.isna()
            out[column] = numbers.where(~unparsable, float("-inf"))  # fails the amount rule
    return out


def _batch_definition():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("raw").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("chunk")


def validate_files(
    con: duckdb.DuckDBPyConnection,
    table: str,
    suite_name: str,
    files: list[str] | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    data_docs: bool = True,
) -> SuiteOutcome:
    """Validate the rows of `table` from `files` (every file when None), file by file, and
    publish the results as Data Docs under the data directory (unless `data_docs` is False)."""
    suite, spec = load_suite(suite_name)
    docs = DataDocs(suite) if data_docs else None
    meta = spec.get("meta", {})
    keys = meta.get("key_columns") or []
    levels = [e.get("meta", {}).get("level", "row") for e in spec["expectations"]]
    if files is None:
        files = [
            r[0]
            for r in con.execute(f"select distinct _source_file from {table} order by 1").fetchall()
        ]
    batch_dates = dict(
        con.execute(f"select _source_file, max(_batch_date) from {table} group by 1").fetchall()
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
    batch_definition = _batch_definition()
    merged: dict[int, ExpectationOutcome] = {}
    failing: dict[tuple[str, int], list[str]] = defaultdict(list)
    total_rows, total_chunks = 0, 0
    for file in files:
        rows = scalar(con, f"select count(*) from {table} where _source_file = ?", [file])
        chunks = max(1, math.ceil(rows / chunk_rows))
        total_rows, total_chunks = total_rows + rows, total_chunks + chunks
        key_expr = " || '|' || ".join(f"coalesce({k}, '')" for k in keys) or "''"
        for chunk in range(chunks):
            query = (
                f"select * from {table} where _source_file = ? "
                f"and hash({key_expr}) % {chunks} = {chunk}"
            )
            frame = con.sql(query, params=[file]).to_arrow_table().to_pandas()
            frame = normalise(frame, meta)
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
            result = batch.validate(
                suite,
                expectation_parameters={
                    "batch_date": batch_dates.get(file, date.max),
                    "min_rows": 0 if file in deltas else 1,
                },
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": IDENTITY,
                },
            )
            for index, item in enumerate(result.results):
                config = item.expectation_config
                if (item.exception_info or {}).get("raised_exception") or any(
                    (info or {}).get("raised_exception")
                    for info in (item.exception_info or {}).values()
                    if isinstance(info, dict)
                ):
                    raise RuntimeError(
                        f"{suite_name}: rule {config.type} on {config.kwargs.get('column')} could "
                        f"not be evaluated on {file}: {item.exception_info}"
                    )
                columns = config.kwargs.get("column") or ",".join(
                    config.kwargs[k] for k in ("column_A", "column_B") if k in config.kwargs
                )
                outcome = merged.setdefault(
                    index, ExpectationOutcome(config.type, columns or None, levels[index], True)
                )
                outcome.element_count += int(item.result.get("element_count") or 0)
                unexpected = item.result.get("unexpected_index_list") or []
                if config.type == "expect_column_values_to_be_unique":
                    unexpected = _later_copies(unexpected, frame, config.kwargs["column"])
                    outcome.unexpected_count += len(unexpected)
                    outcome.success = outcome.success and not unexpected
                else:
                    outcome.unexpected_count += int(item.result.get("unexpected_count") or 0)
                    outcome.success = outcome.success and bool(item.success)
                if levels[index] == "row":
                    for row in unexpected:
                        failing[(row["_source_file"], int(row["_source_line"]))].append(
                            outcome.rule
                        )
            if docs:
                docs.add(file, chunk, chunks, result)
    index = docs.publish() if docs and files else None
    return SuiteOutcome(
        suite_name,
        table,
        total_rows,
        total_chunks,
        list(merged.values()),
        dict(failing),
        data_docs=index,
        data_docs_pages=docs.pages if index else {},
    )


def _later_copies(unexpected: list[dict], frame: pd.DataFrame, column: str) -> list[dict]:
    """Of rows sharing a key, the first delivered passes: only the later copies break the rule."""
    if not unexpected:
        return []
    first = frame.loc[frame[column].notna()].groupby(column)["_source_line"].min()
    keys = frame.set_index("_source_line")[column]
    keep = [
        row for row in unexpected
        if first.get(keys.get(int(row["_source_line"]))) != int(row["_source_line"])
    ]  # fmt: skip
    return keep
