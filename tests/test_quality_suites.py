"""The Great Expectations suites, run through GX on real DuckDB raw tables."""

from __future__ import annotations

import json

import duckdb
import pytest

from lifecrm.ingest.contract import exports
from lifecrm.quality.gx_suites import SUITES_DIR, load_suite, validate_files
from lifecrm.quality.suite_builder import render

FILE = "landing/2025-12-31/customers.csv"
GOOD = {
    "customer_id": "C00000001",
    "national_id": "A123456789",
    "customer_name": "王小明",
    "birth_date": "1980-05-03",
    "gender": "M",
    "marital_status": "married",
    "occupation_class": "2",
    "income_band": "middle",
    "city": "Taipei",
    "district": "Da'an",
    "postal_code": "106",
    "address_line": "No. 5, Heping E. Rd.",
    "phone": "0912345678",
    "email": "a@example.com.tw",
    "acquisition_source": "referral",
    "created_date": "2019-01-02",
}


def raw_customers(rows: list[dict]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    columns = ", ".join(f"{name} varchar" for name in GOOD)
    con.execute(
        f"create table raw.customers ({columns}, _batch_date date, _source_file varchar, "
        "_source_line bigint)"
    )
    for line, row in enumerate(rows, start=2):
        values = [row.get(name) for name in GOOD]
        con.execute(
            f"insert into raw.customers values ({', '.join('?' for _ in GOOD)}, "
            "date '2025-12-31', ?, ?)",
            [*values, FILE, line],
        )
    return con


def customers(n: int, **changes: dict) -> list[dict]:
    rows = [{**GOOD, "customer_id": f"C{i:08d}"} for i in range(n)]
    for index, change in changes.items():
        rows[int(index.removeprefix("row"))].update(change)
    return rows


def validate(rows):
    return validate_files(raw_customers(rows), "raw.customers", "raw_customers", [FILE])


def test_every_committed_suite_loads_whole_and_follows_the_contract():
    for export in exports().values():
        path = SUITES_DIR / f"raw_{export.name}.json"
        assert path.read_text(encoding="utf-8") == render(export), (
            f"{path} is out of step with docs/export-contract.md: "
            "run python -m lifecrm.quality.suite_builder"
        )
        suite, spec = load_suite(path.stem)
        assert len(suite.expectations) == len(spec["expectations"])


def test_a_rejected_expectation_is_an_error_not_a_silent_skip(tmp_path):
    broken = {"name": "broken", "expectations": [{"type": "expect_no_such_thing", "kwargs": {}}]}
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    with pytest.raises(ValueError, match="only 0 are valid"):
        load_suite("broken", suites_dir=tmp_path)


def test_clean_customers_pass():
    outcome = validate(customers(50))
    assert outcome.success, [o.rule for o in outcome.failed]
    assert outcome.rows == 50 and outcome.failing_rows == {}


def test_bad_rows_are_named_by_file_line_and_rule():
    outcome = validate(
        customers(
            40,
            row3={"national_id": "A123456788"},  # bad check digit
            row7={"gender": "X"},
            row9={"birth_date": None},
            row11={"created_date": "2027-01-01"},  # after the batch date
        )
    )
    assert outcome.failing_rows == {
        (FILE, 5): ["expect_column_values_to_be_valid_tw_national_id(national_id)"],
        (FILE, 9): ["expect_column_values_to_be_in_set(gender)"],
        (FILE, 11): ["expect_column_values_to_not_be_null(birth_date)"],
        (FILE, 13): ["expect_column_values_to_be_between(created_date__as_date)"],
    }


def test_repairable_forms_are_not_failures():
    outcome = validate(
        customers(
            20,
            row1={"birth_date": "69/05/03"},  # Republic of China calendar
            row2={"created_date": "1080102"},
            row3={"gender": "Ｍ"},  # full-width
            row4={"marital_status": " married\t"},
        )
    )
    assert outcome.failing_rows == {}


def test_only_later_copies_of_a_key_break_uniqueness():
    rows = customers(60)
    rows[59]["customer_id"] = rows[2]["customer_id"]
    rows[40]["customer_id"] = rows[2]["customer_id"]
    outcome = validate(rows)
    unique = "expect_column_values_to_be_unique(customer_id)"
    assert outcome.failing_rows == {(FILE, 42): [unique], (FILE, 61): [unique]}
    assert [(o.rule, o.unexpected_count) for o in outcome.failed] == [(unique, 2)]


def test_an_empty_file_fails_a_batch_rule():
    outcome = validate([])
    assert [o.rule for o in outcome.batch_failures] == ["expect_table_row_count_to_be_between"]
