"""The Great Expectations suite on raw customers, run through GX on a real DuckDB table."""

from __future__ import annotations

import json

import duckdb
import pytest

from lifecrm.quality.gx_suites import SUITES_DIR, load_suite, validate_table

GOOD = {
    "customer_id": "C00000001",
    "national_id": "A123456789",
    "customer_name": "王小明",
    "birth_date": "1980-05-03",
    "gender": "M",
    "marital_status": "married",
    "income_band": "middle",
    "city": "Taipei",
    "postal_code": "100",
    "phone": "0912345678",
    "email": "a@example.com.tw",
    "acquisition_source": "referral",
}


def raw_customers(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    columns = ", ".join(f"{name} varchar" for name in GOOD)
    con.execute(f"create table raw.customers ({columns})")
    if not rows:
        return con
    con.executemany(
        f"insert into raw.customers values ({', '.join('?' for _ in GOOD)})",
        [[row.get(name) for name in GOOD] for row in rows],
    )
    return con


def customers(n: int, **overrides_by_index: dict) -> list[dict]:
    rows = [{**GOOD, "customer_id": f"C{i:08d}"} for i in range(n)]
    for index, override in overrides_by_index.items():
        rows[int(index.removeprefix("row"))].update(override)
    return rows


def outcome_of(outcome, expectation: str, column: str | None):
    return next(o for o in outcome.outcomes if o.expectation == expectation and o.column == column)


def test_every_committed_suite_loads_whole():
    for path in SUITES_DIR.glob("*.json"):
        suite = load_suite(path.stem)
        assert len(suite.expectations) == len(json.loads(path.read_text())["expectations"])


def test_a_rejected_expectation_is_an_error_not_a_silent_skip(tmp_path):
    (tmp_path / "broken.json").write_text(
        json.dumps(
            {"name": "broken", "expectations": [{"type": "expect_no_such_thing", "kwargs": {}}]}
        )
    )
    with pytest.raises(ValueError, match="only 0 are valid"):
        load_suite("broken", suites_dir=tmp_path)


def test_clean_customers_pass():
    outcome = validate_table(raw_customers(customers(50)), "raw.customers", "raw_customers")
    assert outcome.success
    assert outcome.rows == 50


def test_bad_rows_are_counted_per_rule():
    rows = customers(
        40,
        row3={"national_id": "A12345678"},  # one digit short
        row7={"gender": "X"},
        row9={"customer_id": None},
    )
    outcome = validate_table(raw_customers(rows), "raw.customers", "raw_customers")
    assert not outcome.success
    failed = {(o.expectation, o.column): o.unexpected_count for o in outcome.failed}
    assert failed == {
        ("expect_column_values_to_match_regex", "national_id"): 1,
        ("expect_column_values_to_be_in_set", "gender"): 1,
        ("expect_column_values_to_not_be_null", "customer_id"): 1,
    }


@pytest.mark.parametrize("chunk_rows", [7, 1_000])
def test_duplicate_keys_are_found_across_chunks(chunk_rows):
    rows = customers(60)
    rows[59]["customer_id"] = rows[2]["customer_id"]  # far apart: different chunks by position
    outcome = validate_table(
        raw_customers(rows), "raw.customers", "raw_customers", chunk_rows=chunk_rows
    )
    unique = outcome_of(outcome, "expect_column_values_to_be_unique", "customer_id")
    assert not unique.success
    assert unique.unexpected_count == 2
    assert outcome.chunks == (9 if chunk_rows == 7 else 1)


def test_mostly_rules_hold_on_the_whole_table_not_chunk_by_chunk():
    # the phone rule tolerates 1% bad values: 1 bad phone in 200 rows passes...
    rows = customers(200, row0={"phone": "12345"})
    outcome = validate_table(raw_customers(rows), "raw.customers", "raw_customers", chunk_rows=20)
    assert outcome_of(outcome, "expect_column_values_to_match_regex", "phone").success
    # ... 3 in 200 do not
    rows = customers(200, row0={"phone": "1"}, row1={"phone": "2"}, row2={"phone": "3"})
    outcome = validate_table(raw_customers(rows), "raw.customers", "raw_customers", chunk_rows=20)
    assert not outcome_of(outcome, "expect_column_values_to_match_regex", "phone").success


def test_an_empty_table_fails():
    outcome = validate_table(raw_customers([]), "raw.customers", "raw_customers")
    assert not outcome_of(outcome, "expect_table_row_count_to_be_between", None).success
