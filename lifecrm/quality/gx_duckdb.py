"""Great Expectations 1.24's SQL execution engine over DuckDB: the patches it needs, and a
validator that runs a committed suite on a DuckDB table or query.

GX 1.24 has no DuckDB datasource; its generic SQL datasource reaches DuckDB through
duckdb-engine, and three things then go wrong. `enable()` patches them, once per process:

1. Every metric comes back empty (great_expectations issue 11579): `execute_query` returns the
   cursor result after its `with self.get_connection()` block gave the connection back, and
   duckdb-engine's cursor is empty by then. The patch fetches inside the block (DuckDB only).
2. `expect_column_values_to_match_regex` raises "Regex is not supported for dialect duckdb":
   `get_dialect_regex_expression` has no DuckDB branch. The patch adds one: `regexp_matches`,
   a search like pandas' `str.contains` and PostgreSQL's `~`.
3. `unexpected_index_query`, the SQL selecting every failing row (the SQL path lists at most 20
   of them: issue 11527), is not always SQL DuckDB can run: `sqlalchemy_select_to_sql_string`
   (PR 11437) substitutes `repr()` for `?` placeholders, but DuckDB's are `$1`, so integers that
   `repr()` to a substring of the query are taken as substituted and the query keeps `$1, $2`
   (`value_set=[1, 2]`); otherwise it falls back to SQLAlchemy's `literal_binds`, which writes
   an infinite bound as `-inf`, a column name. And on a query asset it selects FROM the bare
   query text (`FROM select ...`). The patch inlines DuckDB literals and parenthesises that.

Each patch first checks that the function it replaces still has the shape it was written
against, and raises `UpstreamChanged` if not: re-read upstream then, and drop the patch if it
is fixed. A native DuckDB engine for GX is an open pull request (12084); once it is released
this module should give way to it.

The datasource is pointed at an existing DuckDB connection (SQLAlchemy's `creator`: each pooled
connection is a `cursor()` of it, a second connection to the same database instance), so it
works while the loader holds the warehouse file open for writing. A cursor sees only committed
data. Call `DuckDBValidator.close()` (or use it as a context manager) to give its cursors back.
"""

from __future__ import annotations

import ast
import datetime as dt
import decimal
import inspect
import math
import textwrap
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import duckdb_engine
import great_expectations as gx
import sqlalchemy as sa
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.execution_engine import sqlalchemy_execution_engine as _gx_engine_module
from great_expectations.expectations.metrics import util as _gx_metrics_util
from great_expectations.expectations.metrics.column_aggregate_metrics import (
    column_values_match_regex_values as _regex_values_module,
)
from great_expectations.expectations.metrics.column_aggregate_metrics import (
    column_values_not_match_regex_values as _not_regex_values_module,
)
from great_expectations.expectations.metrics.column_map_metrics import (
    column_values_match_regex as _match_regex_module,
)
from great_expectations.expectations.metrics.column_map_metrics import (
    column_values_match_regex_list as _match_regex_list_module,
)
from great_expectations.expectations.metrics.column_map_metrics import (
    column_values_not_match_regex as _not_match_regex_module,
)
from great_expectations.expectations.metrics.column_map_metrics import (
    column_values_not_match_regex_list as _not_match_regex_list_module,
)
from great_expectations.expectations.metrics.column_map_metrics import (
    column_values_unique as _unique_module,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    map_condition_auxilliary_methods as _map_aux_module,
)

import lifecrm.quality.national_id_expectation  # noqa: F401 (registers the custom expectation)
import lifecrm.quality.national_id_sql  # noqa: F401 (its condition on the SQL engine)
from lifecrm.db import quote_identifier, quote_literal
from lifecrm.warehouse_file import duckdb_limits

IDENTITY = ("_source_file", "_source_line")
DIALECT = "duckdb"
UNIQUE = "expect_column_values_to_be_unique"
EXAMPLES = 20  # failing rows listed in a failing rule's result (GX's partial_unexpected_count)
_MARK = "__lifecrm_gx_duckdb__"


class UpstreamChanged(RuntimeError):
    """A function this module patches no longer has the shape the patch was written against."""


# --- the shapes the patches were written against (GX 1.24.1) ------------------------------------

# SqlAlchemyExecutionEngine.execute_query's body, docstring left out (issue 11579).
_EXECUTE_QUERY_BODY = """
with self.get_connection() as connection:
    result = self._execute_query_with_recovery(connection, query)
return result
"""
_EXECUTE_QUERY_PARAMS = ["self", "query"]
_REGEX_PARAMS = ["column", "regex", "dialect", "positive"]
_TO_SQL_STRING_PARAMS = ["engine", "select_statement"]
# The modules that bound `get_dialect_regex_expression` by name at import.
_REGEX_MODULES = (
    _match_regex_module,
    _not_match_regex_module,
    _match_regex_list_module,
    _not_match_regex_list_module,
    _regex_values_module,
    _not_regex_values_module,
)
# The modules that bound `sqlalchemy_select_to_sql_string` by name (they build the
# `unexpected_index_query` of map expectations, column-pair ones included, and of uniqueness).
_TO_SQL_STRING_MODULES = (_map_aux_module, _unique_module)

_ORIGINALS: dict[str, Callable] = {
    "execute_query": SqlAlchemyExecutionEngine.execute_query,
    "get_dialect_regex_expression": _gx_metrics_util.get_dialect_regex_expression,
    "sqlalchemy_select_to_sql_string": _gx_metrics_util.sqlalchemy_select_to_sql_string,
}


def _body_dump(function: Callable) -> str:
    """The AST of a function's body, its docstring left out: comments and layout don't count."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(function))))
    body = tree.body[0].body  # type: ignore[attr-defined]
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def _params(function: Callable) -> list[str]:
    return list(inspect.signature(inspect.unwrap(function)).parameters)


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise UpstreamChanged(
            f"{message} (lifecrm/quality/gx_duckdb.py was written against great_expectations "
            f"1.24.1; this is {gx.__version__}): re-read upstream, drop the patch if it is fixed"
        )


def _expect_bound(modules: Iterable, name: str) -> None:
    """Each module still holds metrics.util's `name` (or this module's patch of it), bound by
    name at import: the patch must replace it there too."""
    for module in modules:
        bound = getattr(module, name, None)
        _expect(
            bound is not None and getattr(bound, _MARK, bound) in (_ORIGINALS[name], True),
            f"{module.__name__} no longer uses metrics.util.{name}",
        )


def check_execute_query(function: Callable | None = None) -> None:
    """Issue 11579: `execute_query` returns the result after the connection went back."""
    function = function or _ORIGINALS["execute_query"]
    _expect(
        _params(function) == _EXECUTE_QUERY_PARAMS,
        f"SqlAlchemyExecutionEngine.execute_query takes {_params(function)}",
    )
    _expect(
        _body_dump(function) == ast.dump(ast.parse(_EXECUTE_QUERY_BODY)),
        "SqlAlchemyExecutionEngine.execute_query's body changed",
    )
    _expect(
        hasattr(SqlAlchemyExecutionEngine, "_execute_query_with_recovery")
        and hasattr(SqlAlchemyExecutionEngine, "get_connection"),
        "SqlAlchemyExecutionEngine lost _execute_query_with_recovery or get_connection",
    )
    _expect(
        DIALECT not in {str(d) for d in _gx_engine_module._PERSISTED_CONNECTION_DIALECTS},
        "GX now keeps DuckDB's connection open (_PERSISTED_CONNECTION_DIALECTS)",
    )


def check_regex(function: Callable | None = None, modules: Iterable = _REGEX_MODULES) -> None:
    """No DuckDB branch in `get_dialect_regex_expression` (the native engine: PR 12084)."""
    function = function or _ORIGINALS["get_dialect_regex_expression"]
    _expect(
        _params(function) == _REGEX_PARAMS,
        f"get_dialect_regex_expression takes {_params(function)}",
    )
    _expect_bound(modules, "get_dialect_regex_expression")
    _expect(
        function(sa.column("x"), "a", duckdb_engine.Dialect()) is None,
        "get_dialect_regex_expression now has a DuckDB branch",
    )


def check_sql_string(function: Callable | None = None, modules: Iterable = _TO_SQL_STRING_MODULES):
    """`sqlalchemy_select_to_sql_string` (PR 11437) still substitutes `repr()` for `?`."""
    function = function or _ORIGINALS["sqlalchemy_select_to_sql_string"]
    _expect(
        _params(function) == _TO_SQL_STRING_PARAMS,
        f"sqlalchemy_select_to_sql_string takes {_params(function)}",
    )
    _expect_bound(modules, "sqlalchemy_select_to_sql_string")
    source = inspect.getsource(_gx_metrics_util._substitute_pyformat_parameters)
    _expect("repr(param_value)" in source, "GX no longer renders bound values with repr()")


# --- the patches -------------------------------------------------------------------------------


def _execute_query(self, query):
    """Issue 11579: on DuckDB, fetch the rows before the connection goes back to the pool."""
    if self.dialect_name != DIALECT:
        return _ORIGINALS["execute_query"](self, query)
    with self.get_connection() as connection:
        result = self._execute_query_with_recovery(connection, query)
        if result.returns_rows:
            return result.freeze()()  # a buffered result: every row, read now
        return result


def _duckdb_regex_expression(column, regex, dialect, positive=True):
    """PR 12084 (not released): DuckDB's regex is `regexp_matches`, a search (like `~`)."""
    if _is_duckdb(dialect):
        expression = sa.func.regexp_matches(column, sa.literal(regex, sa.String()))
        return expression if positive else sa.not_(expression)
    return _ORIGINALS["get_dialect_regex_expression"](column, regex, dialect, positive)


def _duckdb_sql_string(engine, select_statement) -> str:
    """Issue 11527's workaround, `unexpected_index_query`, as SQL DuckDB runs (see PR 11437)."""
    if getattr(engine, "dialect_name", None) != DIALECT:
        return _ORIGINALS["sqlalchemy_select_to_sql_string"](engine, select_statement)
    return to_duckdb_sql(_batch_queries_as_subqueries(engine, select_statement)) + ";"


def _batch_queries_as_subqueries(engine, statement):
    """A query asset's batch is its query as a bare `text()`, which the map expectations'
    `unexpected_index_query` selects FROM unparenthesised (`FROM select ...`): parenthesise."""
    cache = getattr(getattr(engine, "batch_manager", None), "batch_data_cache", None) or {}
    texts = {
        id(data.selectable)
        for data in cache.values()
        if isinstance(getattr(data, "selectable", None), sa.TextClause)
    }
    if not texts:
        return statement

    def replace(element, **_):
        if id(element) in texts:
            return sa.text(element.text).columns().subquery("gx_batch")
        return None

    return sa.sql.visitors.replacement_traverse(statement, {}, replace)


def _is_duckdb(dialect: Any) -> bool:
    for candidate in (dialect, getattr(dialect, "dialect", None)):
        if getattr(candidate, "name", None) == DIALECT:
            return True
    return False


def _mark(function: Callable) -> Callable:
    setattr(function, _MARK, True)
    return function


def enable() -> None:
    """Apply the patches (idempotent); raises UpstreamChanged if GX changed under them."""
    if getattr(SqlAlchemyExecutionEngine.execute_query, _MARK, False):
        return
    check_execute_query()
    check_regex()
    check_sql_string()
    SqlAlchemyExecutionEngine.execute_query = _mark(_execute_query)
    regex = _mark(_duckdb_regex_expression)
    _gx_metrics_util.get_dialect_regex_expression = regex
    for module in _REGEX_MODULES:
        module.get_dialect_regex_expression = regex
    to_string = _mark(_duckdb_sql_string)
    _gx_metrics_util.sqlalchemy_select_to_sql_string = to_string
    for module in _TO_SQL_STRING_MODULES:
        module.sqlalchemy_select_to_sql_string = to_string


def enabled() -> bool:
    return bool(getattr(SqlAlchemyExecutionEngine.execute_query, _MARK, False))


# --- DuckDB literals ---------------------------------------------------------------------------


def duckdb_literal(value: Any) -> str:
    """A Python value as a DuckDB SQL literal (refuses types it does not know)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "'nan'::DOUBLE"
        if math.isinf(value):
            return "'inf'::DOUBLE" if value > 0 else "'-inf'::DOUBLE"
        return f"{value!r}::DOUBLE"
    if isinstance(value, decimal.Decimal):
        return f"{value}"
    if isinstance(value, str):
        return quote_literal(value)
    if isinstance(value, dt.datetime):
        kind = "TIMESTAMPTZ" if value.tzinfo else "TIMESTAMP"
        return f"{kind} '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, dt.time):
        return f"TIME '{value.isoformat()}'"
    if isinstance(value, uuid.UUID):
        return f"'{value}'::UUID"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(duckdb_literal(v) for v in value) + "]"
    raise TypeError(f"no DuckDB literal for {type(value).__name__} {value!r}")


def to_duckdb_sql(statement: sa.sql.ClauseElement) -> str:
    """Compile a SQLAlchemy statement for DuckDB with its bound values inlined."""
    compiled = statement.compile(
        dialect=duckdb_engine.Dialect(paramstyle="pyformat"),
        compile_kwargs={"render_postcompile": True},
    )
    params = compiled.params
    # pyformat (duckdb-engine's, from psycopg2): %(name)s, and a literal % is written %%
    text = str(compiled)
    out, i = [], 0
    while i < len(text):
        if text.startswith("%%", i):
            out.append("%")
            i += 2
        elif text.startswith("%(", i):
            end = text.index(")s", i)
            name = text[i + 2 : end]
            if name not in params:
                raise ValueError(f"unknown bound parameter {name!r} in {text}")
            out.append(duckdb_literal(params[name]))
            i = end + 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# --- the validator -----------------------------------------------------------------------------


@dataclass
class RuleResult:
    """One expectation's outcome. `failing_rows_sql` (row rules with failures) selects the
    identity columns of every failing row, taken from GX's own `unexpected_index_query`."""

    index: int
    expectation: str
    column: str | None
    level: str
    success: bool
    element_count: int
    unexpected_count: int
    failing_rows_sql: str | None = None
    later_copies: bool = False  # the SQL selects a repeated key's later copies, not the first

    @property
    def rule(self) -> str:
        """The rule's name as lifecrm.quality.gx_suites names it."""
        return f"{self.expectation}({self.column})" if self.column else self.expectation


@dataclass
class SuiteResult:
    suite: str
    source: str
    results: list[RuleResult]
    validation: Any = field(repr=False, default=None)  # GX's ExpectationSuiteValidationResult
    identity: tuple[str, ...] = IDENTITY

    @property
    def success(self) -> bool:
        return all(r.success for r in self.results)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success]

    def check_failing_counts(
        self, selected: Mapping[str, int], levels: Iterable[str] = ("row",)
    ) -> None:
        """Raise unless the rows each rule's SQL selected (`selected`: rule -> rows, fetched
        from `failing_rows_sql(levels)`) are the rows GX counted, so that a query that does
        not select what GX counted never quarantines the wrong rows. Of a repeated key
        (uniqueness, the first copy passing) GX counts every copy and the SQL selects the later
        ones: at least one and fewer than GX counted."""
        for r in self.results:
            if not r.failing_rows_sql or r.level not in set(levels):
                continue
            found = selected.get(r.rule, 0)
            if (0 < found < r.unexpected_count) if r.later_copies else found == r.unexpected_count:
                continue
            raise RuntimeError(
                f"{self.suite}: {r.rule} counted {r.unexpected_count} unexpected rows but its "
                f"unexpected_index_query selects {found}"
            )

    def failing_rows_sql(self, levels: Iterable[str] = ("row",)) -> str:
        """SQL selecting each failing row once: its identity columns and `_rules`, the names
        of the rules it broke (sorted). Empty (but typed by the source) when none failed."""
        keys = ", ".join(quote_identifier(c) for c in self.identity)
        parts = [
            f"select {keys}, {duckdb_literal(r.rule)} as _rule from ({r.failing_rows_sql}) as f"
            for r in self.results
            if r.failing_rows_sql and r.level in set(levels)
        ]
        if not parts:
            return f"select {keys}, []::varchar[] as _rules from ({self.source}) as s where false"
        union = "\n  union all\n".join(parts)
        return (
            f"select {keys}, list(distinct _rule order by _rule) as _rules\n"
            f"from (\n{union}\n) as failing\ngroup by all"
        )


def _strip_semicolon(sql: str) -> str:
    sql = sql.strip()
    return sql[:-1].rstrip() if sql.endswith(";") else sql


def _exception(item) -> str | None:
    info = item.exception_info or {}
    if info.get("raised_exception"):
        return info.get("exception_message") or "raised"
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return value.get("exception_message") or "raised"
    return None


class DuckDBValidator:
    """GX's SQL engine over one DuckDB database: an ephemeral context, a SQL datasource whose
    connections are cursors of `con` (a connection, or a database path to open), and
    `validate()` to run a suite on a table, a view or a query."""

    def __init__(self, con: duckdb.DuckDBPyConnection | str | Path, name: str = "duckdb"):
        enable()
        self._owned = None
        if not isinstance(con, duckdb.DuckDBPyConnection):
            con = self._owned = duckdb.connect(str(con), config=duckdb_limits())
        self.con = con
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.datasource = self.context.data_sources.add_sql(
            name,
            connection_string="duckdb://",
            kwargs={"creator": self._connect},
        )
        self._assets = 0

    def _connect(self):
        return duckdb_engine.ConnectionWrapper(self.con.cursor())

    def _add_examples(self, item, query: str, identity: tuple[str, ...]) -> None:
        """The first EXAMPLES failing rows of a failing rule as GX lists them in its result:
        `partial_unexpected_index_list` (each row's identity and value), the values
        (`partial_unexpected_list`) and their counts, from its `unexpected_index_query`: a
        scan that stops at the twentieth failing row, run only for the rules that failed."""
        with self.con.cursor() as cursor:  # as GX sees it, and no result left on `con`
            relation = cursor.execute(f"select * from ({_strip_semicolon(query)}) limit {EXAMPLES}")
            names = [d[0] for d in relation.description]
            rows = [dict(zip(names, row, strict=True)) for row in relation.fetchall()]
        values = [name for name in names if name not in identity]
        item.result["partial_unexpected_index_list"] = rows
        listed = [
            row[values[0]] if len(values) == 1 else tuple(row[v] for v in values) for row in rows
        ]
        item.result["partial_unexpected_list"] = [
            list(v) if isinstance(v, tuple) else v for v in listed
        ]
        item.result["partial_unexpected_counts"] = [
            {"value": value, "count": count} for value, count in Counter(listed).most_common()
        ]

    def batch_definition(self, *, table: str | None = None, query: str | None = None):
        """A whole-table batch of a table or view (`name` or `schema.name`, as written in SQL;
        the table asset's `schema_name` is deprecated and the SQL datasource ignores it), or
        of a query's rows."""
        if (table is None) == (query is None):
            raise ValueError("give a table or a query")
        self._assets += 1
        name = f"asset_{self._assets}"
        if table is not None:
            asset = self.datasource.add_table_asset(name, table_name=table)
        else:
            asset = self.datasource.add_query_asset(name, query=_strip_semicolon(query))
        return asset.add_batch_definition_whole_table("whole")

    def validate(
        self,
        suite: gx.ExpectationSuite,
        *,
        table: str | None = None,
        query: str | None = None,
        expectation_parameters: Mapping[str, Any] | None = None,
        identity: Iterable[str] = IDENTITY,
        result_format: str = "SUMMARY",
        first_copy_passes: bool = True,
    ) -> SuiteResult:
        """Validate `suite` on a table/view or a query. Per expectation: success, element
        and unexpected counts, and SQL selecting every failing row's `identity` columns (from
        GX's `unexpected_index_query`; `SuiteResult.check_failing_counts` checks the rows it
        selected against GX's counts, once they are fetched). SUMMARY (the default) carries
        the counts, 20 failing rows and the query; COMPLETE also lists every unexpected value,
        which on the SQL engine means fetching all of them into Python (slow when many fail).
        With `first_copy_passes`, of rows sharing a key (`expect_column_values_to_be_unique`)
        the first by `identity` passes and only the later copies are failing rows, as in
        gx_suites. An expectation GX could not evaluate raises (a rule never vanishes)."""
        identity = tuple(identity)
        definition = self.batch_definition(table=table, query=query)
        source = f"select * from {table}" if table is not None else _strip_semicolon(query)
        validation = definition.get_batch().validate(
            suite,
            expectation_parameters=dict(expectation_parameters or {}),
            result_format={
                "result_format": result_format,
                "unexpected_index_column_names": list(identity),
                "return_unexpected_index_query": True,
                # GX would select 20 examples of every rule, failing or not: a scan of the
                # batch each. It selects none; the failing rules' examples come after.
                "partial_unexpected_count": 0,
            },
        )
        results = []
        for index, item in enumerate(validation.results):
            config = item.expectation_config
            kwargs = config.kwargs
            column = kwargs.get("column") or ",".join(
                kwargs[k] for k in ("column_A", "column_B") if k in kwargs
            )
            error = _exception(item)
            if error:
                raise RuntimeError(
                    f"{suite.name}: rule {config.type} on {column or '(table)'} could not be "
                    f"evaluated on {table or 'the query'}: {error}"
                )
            unexpected = int(item.result.get("unexpected_count") or 0)
            query_text = item.result.get("unexpected_index_query")
            failing = None
            later_copies = first_copy_passes and config.type == UNIQUE
            level = (config.meta or {}).get("level", "row")
            if unexpected and level == "row" and not isinstance(query_text, str):
                raise RuntimeError(
                    f"{suite.name}: {config.type}({column}) failed {unexpected} rows but GX gave "
                    "no unexpected_index_query to select them"
                )
            if unexpected and isinstance(query_text, str):
                self._add_examples(item, query_text, identity)
                keys = ", ".join(quote_identifier(c) for c in identity)
                failing = f"select {keys} from ({_strip_semicolon(query_text)}) as q"
                if later_copies:
                    # GX's query selects every copy of a repeated key (and the key column)
                    failing = (
                        f"select {keys} from (select {keys}, row_number() over (partition by "
                        f"{quote_identifier(column)} order by {keys}) as _copy from "
                        f"({_strip_semicolon(query_text)}) as q) as c where _copy > 1"
                    )
            results.append(
                RuleResult(
                    index=index,
                    expectation=config.type,
                    column=column or None,
                    level=level,
                    success=bool(item.success),
                    element_count=int(item.result.get("element_count") or 0),
                    unexpected_count=unexpected,
                    failing_rows_sql=failing,
                    later_copies=later_copies,
                )
            )
        return SuiteResult(suite.name, source, results, validation, identity)

    def close(self) -> None:
        """Give back every cursor the datasource holds (and the database, if opened here)."""
        engines = [self.datasource.get_engine()]
        execution_engine = getattr(self.datasource, "_execution_engine", None)
        if execution_engine is not None:
            engines.append(execution_engine.engine)
        for engine in engines:
            engine.dispose()
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> DuckDBValidator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def validate(
    con: duckdb.DuckDBPyConnection | str | Path,
    suite: gx.ExpectationSuite,
    **kwargs: Any,
) -> SuiteResult:
    """One suite on one table or query (see DuckDBValidator.validate for the arguments)."""
    with DuckDBValidator(con) as validator:
        return validator.validate(suite, **kwargs)
