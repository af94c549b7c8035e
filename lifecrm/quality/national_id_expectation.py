"""A custom Great Expectations rule: Taiwan national IDs with a valid check digit.

A national ID is a letter (the issuing region, which maps to a two-digit number), a gender digit
(1 or 2) and eight digits, the last a check digit: the weighted sum of the letter's two digits
and the nine following digits (weights 1, 9, 8, ..., 1, 1) is divisible by 10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

# Letter -> two-digit region number (I, O, W, X, Y, Z out of alphabetical order).
LETTER_CODES = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))
WEIGHTS = np.array([1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1])


def valid_national_ids(values: pd.Series) -> pd.Series:
    """True where the value is a well-formed national ID whose check digit is right."""
    text = values.astype("string").str.strip().str.upper()
    well_formed = text.str.fullmatch(r"[A-Z][12][0-9]{8}").fillna(False).astype(bool)
    result = pd.Series(False, index=values.index)
    if not well_formed.any():
        return result
    ids = text[well_formed]
    letter = ids.str[0].map(LETTER_CODES).astype(int).to_numpy()
    digits = np.array([list(map(int, s[1:])) for s in ids], dtype=int)
    matrix = np.column_stack([letter // 10, letter % 10, digits])
    result[well_formed] = (matrix @ WEIGHTS) % 10 == 0
    return result


class ColumnValuesValidTwNationalId(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_tw_national_id"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs) -> pd.Series:  # noqa: N805 (GX's signature)
        return valid_national_ids(column)


class ExpectColumnValuesToBeValidTwNationalId(ColumnMapExpectation):
    """Expect each value to be a Taiwan national ID with a valid check digit."""

    map_metric = "column_values.valid_tw_national_id"
    success_keys = ("mostly",)
