"""GX 1.24's SQL engine over DuckDB (lifecrm.quality.gx_duckdb): the patches' guards, the
upstream bugs they work around (these tests fail when upstream fixes them: drop the patch
then), and the same answers as GX's pandas engine for every expectation the suites use."""

from __future__ import annotations

import datetime as dt
import json
import os
import random

import duckdb
import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
import pandas as pd
import pytest
import sqlalchemy as sa  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.execution_engine import SqlAlchemyExecutionEngine  # noqa: E402

from lifecrm.quality import gx_duckdb  # noqa: E402
from lifecrm.quality.gx_suites import SUITES_DIR, load_suite  # noqa: E402
from lifecrm.quality.national_id_expectation import (  # noqa: E402
    ExpectColumnValuesToBeValidTwNationalId,
    valid_national_ids,
)
from lifecrm.quality.national_id_sql import valid_national_id_condition  # noqa: E402
from lifecrm.quality.repairs import checked_rows_sql  # noqa: E402

IDENTITY = list(gx_duckdb.IDENTITY)  # a row's file and line

PARAMETERS = {"batch_date": dt.date(2025, 12, 31), "min_rows": 1}
# The suites whose expectations, between them, take every form any suite uses (checked below);
# LIFECRM_GX_ALL_SUITES=1 compares every suite (about 25 s).
PARITY_SUITES = ["raw_customers", "raw_agents", "raw_applications"]


def _shapes(path) -> set[tuple[str, tuple[str, ...]]]:
    spec = json.loads(path.read_text(encoding="utf-8"))
    return {(e["type"], tuple(sorted(e["kwargs"]))) for e in spec["expectations"]}


def _table(con, name: str, frame: pd.DataFrame) -> None:
    con.register("_frame", frame)
    con.execute(f"create or replace table {name} as select * from _frame")
    con.unregister("_frame")


def _pandas_batch_definition():
    """GX's pandas engine, the reference the SQL engine's answers are compared with."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("raw").add_dataframe_asset("table")
    return asset.add_batch_definition_whole_dataframe("frame")


def _pandas(frame: pd.DataFrame, suite, parameters=PARAMETERS):
    return (
        _pandas_batch_definition()
        .get_batch(batch_parameters={"dataframe": frame})
        .validate(
            suite,
            expectation_parameters=parameters,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": IDENTITY},
        )
    )


def _rows(con, sql: str) -> set[tuple[str, int]]:
    return {(f, int(line)) for f, line in con.execute(sql).fetchall()}


# --- the guards and the upstream bugs ------------------------------------------------------------


def test_each_guard_accepts_the_function_it_was_written_against():
    gx_duckdb.check_execute_query()
    gx_duckdb.check_regex()
    gx_duckdb.check_sql_string()


def test_each_guard_refuses_a_function_of_another_shape():
    def execute_query(self, query):
        with self.get_connection() as connection:
            return self._execute_query_with_recovery(connection, query).freeze()()

    def execute_query_renamed(self, statement):
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, statement)
        return result

    for changed in (execute_query, execute_query_renamed):
        with pytest.raises(gx_duckdb.UpstreamChanged, match="execute_query"):
            gx_duckdb.check_execute_query(changed)

    def regex_with_duckdb(column, regex, dialect, positive=True):
        return sa.func.regexp_matches(column, regex)

    def regex_other_signature(column, regex, dialect):
        return None

    for changed in (regex_with_duckdb, regex_other_signature):
        with pytest.raises(gx_duckdb.UpstreamChanged, match="get_dialect_regex_expression"):
            gx_duckdb.check_regex(changed)

    def to_string(engine, statement):
        return ""

    with pytest.raises(gx_duckdb.UpstreamChanged, match="sqlalchemy_select_to_sql_string"):
        gx_duckdb.check_sql_string(to_string)


def test_enable_is_idempotent_and_keeps_the_originals():
    gx_duckdb.enable()
    patched = SqlAlchemyExecutionEngine.execute_query
    gx_duckdb.enable()
    assert SqlAlchemyExecutionEngine.execute_query is patched
    assert gx_duckdb.enabled()
    assert gx_duckdb._ORIGINALS["execute_query"] is not patched


def test_issue_11579_is_still_there_unpatched_results_come_back_empty():
    """When this fails GX fetches DuckDB's rows itself: drop the execute_query patch."""
    gx_duckdb.enable()
    con = duckdb.connect()
    con.execute("create table t as select range as i from range(3)")
    engine = SqlAlchemyExecutionEngine(
        connection_string="duckdb://",
        creator=lambda: gx_duckdb.duckdb_engine.ConnectionWrapper(con.cursor()),
    )
    query = sa.select(sa.func.count()).select_from(sa.table("t"))
    try:
        rows = gx_duckdb._ORIGINALS["execute_query"](engine, query).fetchall()
    except Exception:  # noqa: BLE001 (any failure to read the rows is the bug)
        rows = []
    assert rows == []
    assert engine.execute_query(query).fetchall() == [(3,)]  # patched
    engine.engine.dispose()


def test_the_regex_branch_and_the_rendering_are_still_missing_upstream():
    """PR 12084's native engine and a fix of PR 11437's rendering would fail this: re-read."""
    import great_expectations.execution_engine as engines

    assert not hasattr(engines, "DuckDBExecutionEngine")
    original = gx_duckdb._ORIGINALS["get_dialect_regex_expression"]
    assert original(sa.column("x"), "a", gx_duckdb.duckdb_engine.Dialect()) is None
    engine = SqlAlchemyExecutionEngine(connection_string="duckdb://")
    statement = sa.select(sa.column("i")).where(sa.column("i").in_([1, 2]))
    rendered = gx_duckdb._ORIGINALS["sqlalchemy_select_to_sql_string"](engine, statement)
    assert "$1" in rendered  # left unsubstituted: not SQL DuckDB can run
    assert gx_duckdb._duckdb_sql_string(engine, statement).endswith("i IN (1, 2);")
    engine.engine.dispose()


def test_duckdb_literals_round_trip():
    con = duckdb.connect()
    values = [
        None, True, 0, -7, 1.5, float("inf"), float("-inf"), "O'Brien 100%", r"\d+",
        dt.date(2025, 12, 31), dt.datetime(2025, 1, 2, 3, 4, 5), "台北",
    ]  # fmt: skip
    for value in values:
        got = con.execute(f"select {gx_duckdb.duckdb_literal(value)}").fetchall()[0][0]
        assert got == value, (value, got)
    nan = con.execute(f"select {gx_duckdb.duckdb_literal(float('nan'))}").fetchall()[0][0]
    assert nan != nan
    with pytest.raises(TypeError):
        gx_duckdb.duckdb_literal(object())


# --- the same answers as the pandas engine -------------------------------------------------------


def test_the_parity_suites_take_every_form_the_suites_use():
    every = set().union(*(_shapes(p) for p in SUITES_DIR.glob("*.json")))
    covered = set().union(*(_shapes(SUITES_DIR / f"{s}.json") for s in PARITY_SUITES))
    assert every - covered == set(), "add a suite with these forms to PARITY_SUITES"


def _frame_for(spec: dict, rows: int = 240, seed: int = 7) -> pd.DataFrame:
    """Rows made of each column's allowed values and of values that break the rules."""
    rnd = random.Random(seed)
    columns, allowed = [], {}
    for expectation in spec["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] == "expect_table_columns_to_match_set":
            columns = list(kwargs["column_set"])
        if "value_set" in kwargs:
            allowed[kwargs["column"]] = [str(v) for v in kwargs["value_set"]]
    pool = [
        "1980-05-03", "1999-12-31", "113/05/03", "2024-02-30", "2999-01-01", "bad", "", None,
        "-5", "0", "12.5", "1e3", "A123456789", "a123456789", "A123456788", " x ",
        "0912345678", "a@example.com.tw", "no at sign",
    ]  # fmt: skip
    data = []
    for i in range(rows):
        row = {c: rnd.choice(allowed.get(c, []) * 3 + pool) for c in columns}
        row[columns[0]] = rnd.choice([f"K{i}", f"K{i // 3}", None])  # the key: some repeat
        data.append(row)
    frame = pd.DataFrame(data, dtype=object)
    frame["_source_file"] = "landing/2025-12-31/x.csv"
    frame["_source_line"] = range(2, rows + 2)
    # as validation checks them: repaired by staging's SQL (dates as Python dates, for pandas)
    con = duckdb.connect()
    con.register("delivered", frame)
    sql = checked_rows_sql("delivered", list(frame.columns), spec.get("meta", {}))
    return con.sql(sql).to_arrow_table().to_pandas(date_as_object=True).astype(object)


@pytest.mark.parametrize(
    "suite_name",
    sorted(p.stem for p in SUITES_DIR.glob("*.json"))
    if os.environ.get("LIFECRM_GX_ALL_SUITES")
    else PARITY_SUITES,
)
def test_a_suite_gives_the_same_answers_on_duckdb_as_on_pandas(suite_name):
    suite, spec = load_suite(suite_name)
    frame = _frame_for(spec)
    con = duckdb.connect()
    _table(con, "raw_rows", frame)
    expected = _pandas(frame, suite)
    with gx_duckdb.DuckDBValidator(con) as validator:
        got = validator.validate(
            suite, table="raw_rows", expectation_parameters=PARAMETERS, first_copy_passes=False
        )
    assert len(got.results) == len(expected.results) == len(spec["expectations"])
    failures = 0
    for pandas_result, sql_result in zip(expected.results, got.results, strict=True):
        name = sql_result.rule
        assert sql_result.success == pandas_result.success, name
        assert sql_result.element_count == (pandas_result.result.get("element_count") or 0), name
        assert sql_result.unexpected_count == (pandas_result.result.get("unexpected_count") or 0), (
            name
        )
        if sql_result.unexpected_count:
            failures += 1
            pandas_rows = {
                (r["_source_file"], int(r["_source_line"]))
                for r in pandas_result.result["unexpected_index_list"]
            }
            assert _rows(con, sql_result.failing_rows_sql) == pandas_rows, name
    assert failures >= 5  # the rows do break rules of several kinds


def test_one_files_rows_as_a_query_batch_give_the_pandas_answers_for_that_file():
    """The loader validates file by file (keys are unique within a delivery): a query batch."""
    suite, spec = load_suite("raw_customers")
    first, second = _frame_for(spec, seed=1), _frame_for(spec, seed=2)
    second["_source_file"] = "landing/2026-01-01/x.csv"
    con = duckdb.connect()
    _table(con, "raw_rows", pd.concat([first, second], ignore_index=True))
    expected = _pandas(second, suite)
    got = gx_duckdb.validate(
        con,
        suite,
        query="select * from raw_rows where _source_file = 'landing/2026-01-01/x.csv'",
        expectation_parameters=PARAMETERS,
        first_copy_passes=False,
    )
    for pandas_result, sql_result in zip(expected.results, got.results, strict=True):
        assert sql_result.unexpected_count == (pandas_result.result.get("unexpected_count") or 0)
        if sql_result.failing_rows_sql:
            files = {f for f, _ in _rows(con, sql_result.failing_rows_sql)}
            assert files == {"landing/2026-01-01/x.csv"}, sql_result.rule


def test_every_failing_row_is_selected_not_only_twenty():
    rows = 500
    frame = pd.DataFrame(
        {
            "code": ["ok" if i % 5 else "BAD" for i in range(rows)],
            "key": [f"K{i // 2}" for i in range(rows)],  # every key twice
            "_source_file": [f"f{i % 2}.csv" for i in range(rows)],
            "_source_line": list(range(2, rows + 2)),
        }
    )
    con = duckdb.connect()
    _table(con, "t", frame)
    suite = gx.ExpectationSuite(
        name="wide",
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(column="code", value_set=["ok"]),
            gxe.ExpectColumnValuesToBeUnique(column="key"),
        ],
    )
    with gx_duckdb.DuckDBValidator(con) as validator:
        result = validator.validate(suite, table="t", result_format="COMPLETE")
    in_set, unique = result.results
    assert in_set.unexpected_count == 100
    found = result.validation.results[0].result
    # issue 11527: the SQL path lists only partial_unexpected_count rows, even in COMPLETE
    # (lifecrm asks for none: GX would scan for every rule's, failing or not)
    assert len(found["unexpected_index_list"]) < 100
    # a failing rule's examples, selected by its unexpected_index_query: row and value
    examples = found["partial_unexpected_index_list"]
    assert len(examples) == gx_duckdb.EXAMPLES
    assert all(set(e) == {"_source_file", "_source_line", "code"} for e in examples)
    assert found["partial_unexpected_list"] == [e["code"] for e in examples]
    assert all(e["code"] != "ok" for e in examples)
    assert len(_rows(con, in_set.failing_rows_sql)) == 100
    # the first copy of a key passes, the later one fails (as lifecrm.quality.gx_suites does)
    assert unique.unexpected_count == rows
    later = _rows(con, unique.failing_rows_sql)
    assert len(later) == rows // 2
    assert all(line % 2 == 1 for _, line in later)  # lines 3, 5, ...: the second of each pair
    quarantine = con.execute(
        f"select _source_line, _rules from ({result.failing_rows_sql()}) order by 1"
    ).fetchall()
    assert len(quarantine) == 100 + rows // 2 - 50  # rows breaking both are listed once
    assert quarantine[0] == (2, ["expect_column_values_to_be_in_set(code)"])
    assert quarantine[1] == (3, ["expect_column_values_to_be_unique(key)"])
    both = [rules for line, rules in quarantine if len(rules) == 2]
    assert len(both) == 50


def test_a_query_batch_validates_and_selects_only_its_rows():
    """One file's rows as a query batch: the failing-row SQL stays within the query."""
    frame = pd.DataFrame(
        {
            "code": ["BAD"] * 6,
            "_source_file": ["a.csv"] * 3 + ["b.csv"] * 3,
            "_source_line": [2, 3, 4, 2, 3, 4],
        }
    )
    con = duckdb.connect()
    _table(con, "t", frame)
    suite = gx.ExpectationSuite(
        name="q", expectations=[gxe.ExpectColumnValuesToBeInSet(column="code", value_set=["ok"])]
    )
    result = gx_duckdb.validate(con, suite, query="select * from t where _source_file = 'b.csv'")
    (rule,) = result.results
    assert (rule.element_count, rule.unexpected_count) == (3, 3)
    assert _rows(con, rule.failing_rows_sql) == {("b.csv", 2), ("b.csv", 3), ("b.csv", 4)}


def test_a_schema_qualified_view_validates_and_a_rule_that_cannot_run_raises():
    con = duckdb.connect()
    con.execute(
        "create schema raw; create table raw.t as select 'BAD' as code, 'a.csv' as _source_file,"
        " 2 as _source_line; create view raw.v as select * from raw.t"
    )
    suite = gx.ExpectationSuite(
        name="v", expectations=[gxe.ExpectColumnValuesToBeInSet(column="code", value_set=["ok"])]
    )
    with gx_duckdb.DuckDBValidator(con) as validator:
        (rule,) = validator.validate(suite, table="raw.v").results
        assert _rows(con, rule.failing_rows_sql) == {("a.csv", 2)}
        broken = gx.ExpectationSuite(
            name="b", expectations=[gxe.ExpectColumnValuesToNotBeNull(column="no_such_column")]
        )
        with pytest.raises(RuntimeError, match="could not be evaluated"):
            validator.validate(broken, table="raw.v")


def test_it_reads_through_the_loaders_open_connection_and_gives_it_back(tmp_path):
    """The loader holds the file open for writing; GX reads through cursors of that
    connection, and once both are closed nothing of the old database stays open."""
    path = tmp_path / "warehouse.duckdb"
    loader = duckdb.connect(str(path))
    loader.execute(
        "create table t as select 'BAD' as code, 'a.csv' as _source_file, 2 as _source_line"
    )
    suite = gx.ExpectationSuite(
        name="c", expectations=[gxe.ExpectColumnValuesToBeInSet(column="code", value_set=["ok"])]
    )
    with gx_duckdb.DuckDBValidator(loader) as validator:
        assert validator.validate(suite, table="t").results[0].unexpected_count == 1
        loader.execute("insert into t values ('ok', 'a.csv', 3)")  # the loader still writes
        assert validator.validate(suite, table="t").results[0].element_count == 2
    loader.close()
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as writer:
        writer.execute(
            "create table t as select 'new' as code, 'b.csv' as _source_file, 2 as _source_line"
        )
    os.replace(other, path)
    with duckdb.connect(str(path)) as reader:  # a cached old instance would still show 'BAD'
        assert reader.execute("select code from t").fetchall() == [("new",)]
    (rule,) = gx_duckdb.validate(path, suite, table="t").results  # a path: opened, then closed
    assert _rows(duckdb.connect(str(path), read_only=True), rule.failing_rows_sql) == {("b.csv", 2)}


# --- the national-ID rule ------------------------------------------------------------------------


def _sql_valid(values: list) -> list[bool]:
    con = duckdb.connect()
    con.register("v", pd.DataFrame({"id": pd.Series(values, dtype=object)}))
    condition = gx_duckdb.to_duckdb_sql(
        sa.select(valid_national_id_condition(sa.column("id"))).select_from(sa.table("v"))
    )
    return [row[0] for row in con.execute(condition).fetchall()]


def test_the_national_id_condition_agrees_between_pandas_and_sql():
    values = [
        "A123456789",  # valid (the published example)
        "A123456788",  # bad check digit
        "I123456789", "@123456789", "1123456789",  # letters: another code, none, a digit
        "a123456789",  # lower case: both upper-case first, like the pandas rule
        " A123456789\t", "\u3000A123456789",  # surrounding whitespace, an ideographic space
        "A12345678", "A1234567890", "",  # wrong lengths
        "A323456789", "A1234567X9",  # gender digit 3, a letter among the digits
        None,
    ]  # fmt: skip
    rnd = random.Random(11)
    letters = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
    values += [
        rnd.choice(letters) + rnd.choice("12") + "".join(rnd.choice("0123456789") for _ in range(8))
        for _ in range(2000)
    ]
    pandas = valid_national_ids(pd.Series(values, dtype=object)).tolist()
    sql = _sql_valid(values)
    assert sql == pandas
    assert pandas[:2] == [True, False] and pandas[5] is True and pandas[-2001] is False
    assert 150 < sum(pandas[-2000:]) < 250  # about one in ten random IDs is valid


def test_the_national_id_expectation_runs_on_both_engines():
    values = ["A123456789", "A123456788", "a123456789", None, "B12345", "F131104093"] * 5
    frame = pd.DataFrame(
        {
            "national_id": pd.Series(values, dtype=object),
            "_source_file": "f.csv",
            "_source_line": range(2, len(values) + 2),
        }
    )
    suite = gx.ExpectationSuite(
        name="ids", expectations=[ExpectColumnValuesToBeValidTwNationalId(column="national_id")]
    )
    con = duckdb.connect()
    _table(con, "t", frame)
    on_pandas = _pandas(frame, suite).results[0].result
    (on_sql,) = gx_duckdb.validate(con, suite, table="t").results
    assert on_sql.unexpected_count == on_pandas["unexpected_count"] == 10
    assert _rows(con, on_sql.failing_rows_sql) == {
        (r["_source_file"], int(r["_source_line"])) for r in on_pandas["unexpected_index_list"]
    }


def test_rows_selected_that_gx_did_not_count_are_refused_not_quarantined():
    """The rows a rule's SQL selected must be the rows GX counted (of a repeated key, the later
    copies: at least one, fewer than every copy GX counted); otherwise validation raises."""
    con = duckdb.connect()
    _table(
        con,
        "t",
        pd.DataFrame(
            {
                "code": ["ok", "BAD", "BAD"],
                "key": ["K1", "K1", "K2"],
                "_source_file": ["f.csv"] * 3,
                "_source_line": [2, 3, 4],
            }
        ),
    )
    suite = gx.ExpectationSuite(
        name="counted",
        expectations=[
            gxe.ExpectColumnValuesToBeInSet(column="code", value_set=["ok"]),
            gxe.ExpectColumnValuesToBeUnique(column="key"),
        ],
    )
    result = gx_duckdb.validate(con, suite, table="t")
    selected = dict(
        con.execute(
            f"select rule, count(*) from (select unnest(_rules) as rule "
            f"from ({result.failing_rows_sql()})) group by rule"
        ).fetchall()
    )
    in_set, unique = result.results
    assert selected == {in_set.rule: 2, unique.rule: 1}  # K1's second copy only
    result.check_failing_counts(selected)  # what GX counted: 2 codes, 2 copies of K1
    with pytest.raises(RuntimeError, match=r"counted 2 unexpected rows but .* selects 1"):
        result.check_failing_counts({**selected, in_set.rule: 1})
    with pytest.raises(RuntimeError, match=r"counted 2 unexpected rows but .* selects 2"):
        result.check_failing_counts({**selected, unique.rule: 2})  # the first copy too
