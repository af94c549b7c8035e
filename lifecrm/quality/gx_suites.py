"""Run a committed Great Expectations suite against a raw table, in bounded chunks.

The suites live in `expectations/suites/<name>.json`. Rows reach GX as pandas frames of at most
`chunk_rows` rows, so memory stays bounded whatever the table's size. Chunks partition the rows by
a hash of the suite's key column, so every duplicate key lands in one chunk and uniqueness holds
across the whole table when it holds in each chunk.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig

from lifecrm.db import scalar
from lifecrm.settings import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"
DEFAULT_CHUNK_ROWS = 250_000


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    element_count: int = 0
    unexpected_count: int = 0


@dataclass
class SuiteOutcome:
    suite: str
    table: str
    rows: int
    chunks: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def load_suite(name: str, suites_dir: Path = SUITES_DIR) -> gx.ExpectationSuite:
    path = suites_dir / f"{name}.json"
    spec = json.loads(path.read_text())
    suite = gx.ExpectationSuite(
        name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta")
    )
    # GX logs and skips an expectation it cannot parse; a rule must never vanish silently.
    if len(suite.expectations) != len(spec["expectations"]):
        raise ValueError(
            f"{path}: {len(spec['expectations'])} expectations written but only "
            f"{len(suite.expectations)} are valid; see the GX log for the rejected ones"
        )
    return suite


def _ephemeral_batch_definition():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("raw").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("chunk")


def _merge(total: ExpectationOutcome | None, result, mostly: float | None) -> ExpectationOutcome:
    config = result.expectation_config
    element = int(result.result.get("element_count") or 0)
    unexpected = int(result.result.get("unexpected_count") or 0)
    if total is None:
        total = ExpectationOutcome(config.type, config.kwargs.get("column"), True)
    total.element_count += element
    total.unexpected_count += unexpected
    if mostly is None:
        total.success = total.success and bool(result.success)
    else:  # a `mostly` rule holds on the share of the whole table, not chunk by chunk
        total.success = total.unexpected_count <= (1 - mostly) * total.element_count
    return total


def validate_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    suite_name: str,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> SuiteOutcome:
    suite = load_suite(suite_name)
    key = (suite.meta or {}).get("key_column")
    rows = scalar(con, f"select count(*) from {table}")
    chunks = max(1, math.ceil(rows / chunk_rows))
    batch_definition = _ephemeral_batch_definition()
    merged: dict[int, ExpectationOutcome] = {}
    for chunk in range(chunks):
        where = f"where hash({key}) % {chunks} = {chunk}" if key and chunks > 1 else ""
        frame = con.sql(f"select * from {table} {where}").to_arrow_table().to_pandas()
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format="SUMMARY")
        for index, expectation_result in enumerate(result.results):
            mostly = expectation_result.expectation_config.kwargs.get("mostly")
            merged[index] = _merge(merged.get(index), expectation_result, mostly)
    return SuiteOutcome(
        suite=suite_name, table=table, rows=rows, chunks=chunks, outcomes=list(merged.values())
    )
