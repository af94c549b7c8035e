"""The national-ID rule's condition on GX's SQL engine (DuckDB), computed in SQL.

The same metric as the pandas condition in lifecrm.quality.national_id_expectation
(`column_values.valid_tw_national_id`): GX keeps one provider per metric and engine, and a
second provider class naming the same `condition_metric_name` adds the SQLAlchemy engine's
partial (and its derived unexpected-count/-rows/-query metrics) beside the pandas one, which it
leaves as it is. Like the pandas condition, the value is trimmed and upper-cased first.
"""

from __future__ import annotations

import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from lifecrm.quality.national_id_expectation import LETTER_CODES, WEIGHTS

METRIC = "column_values.valid_tw_national_id"
FORM = "[A-Z][12][0-9]{8}"
# Python's str.strip() whitespace, as an RE2 class (DuckDB's trim() strips spaces only).
_SPACE = r"[\t-\r\x{1c}-\x{20}\x{85}\p{Z}]"
_LETTERS = "".join(sorted(LETTER_CODES, key=LETTER_CODES.get))  # the letter of code 10, 11, ...
_FIRST_CODE = min(LETTER_CODES.values())


def _digit(text, position: int):
    """The digit at a 1-based position, as a number (ascii - 48: no cast that could raise)."""
    return sa.func.ascii(sa.func.substr(text, position, 1)) - 48


def _check_digit_ok(text):
    """The weighted sum of the letter's two digits and the nine digits after it, mod 10, is 0
    (for a well-formed ID)."""
    code = sa.func.strpos(sa.literal(_LETTERS), sa.func.substr(text, 1, 1)) + (_FIRST_CODE - 1)
    weights = [int(w) for w in WEIGHTS]
    total = sa.func.floor(code / 10) * weights[0] + (code % 10) * weights[1]
    for position, weight in enumerate(weights[2:], start=2):  # the nine digits after the letter
        total = total + _digit(text, position) * weight
    return total % 10 == 0


def valid_national_id_condition(column):
    """A SQL boolean: the value is a well-formed national ID whose check digit is right.

    Values already in canonical form (the loader strips them) are checked as they are; only the
    others are trimmed and upper-cased first: DuckDB evaluates a CASE branch only for the rows
    that reach it, and the cleaned text, written out in each of its eleven uses, is expensive."""
    cleaned = sa.func.upper(sa.func.regexp_replace(column, f"^{_SPACE}+|{_SPACE}+$", "", "g"))
    return sa.case(
        (sa.func.regexp_full_match(column, FORM), _check_digit_ok(column)),
        (sa.func.regexp_full_match(cleaned, FORM), _check_digit_ok(cleaned)),
        else_=sa.false(),
    )


class ColumnValuesValidTwNationalIdSql(ColumnMapMetricProvider):
    condition_metric_name = METRIC

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, _dialect, **kwargs):  # noqa: N805 (GX's signature)
        name = getattr(_dialect, "name", None) or getattr(
            getattr(_dialect, "dialect", None), "name", None
        )
        if name != "duckdb":
            raise NotImplementedError(f"{METRIC} is written in DuckDB's SQL, not {name}'s")
        return valid_national_id_condition(column)
