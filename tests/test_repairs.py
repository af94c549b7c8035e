"""One repair pass: the value Great Expectations checks is the value staging keeps.

Validation reads the repairs as dbt renders staging's macros (expectations/repairs.json); these
tests render them again with dbt, and feed every repairable form of docs/export-contract.md
through both paths: validation's checked rows, and the expressions staging compiles.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import duckdb
import pytest

from lifecrm.ingest.contract import exports
from lifecrm.quality import repairs
from lifecrm.settings import PROJECT_ROOT

# (delivered, what both paths must make of it)
TEXT_FORMS = [
    ("Ｍ", "M"),  # full-width
    ("ＡＢＣ－１２３", "ABC-123"),
    (" married\t", "married"),  # stray whitespace
    ("\u3000referral\u3000", "referral"),  # an ideographic space
    ("王小明", "王小明"),  # nothing to repair
]
DATE_FORMS = [
    ("2023-05-03", dt.date(2023, 5, 3)),
    ("112/05/03", dt.date(2023, 5, 3)),  # Republic of China calendar
    ("1120503", dt.date(2023, 5, 3)),
    ("69/05/03", dt.date(1980, 5, 3)),
    ("690503", dt.date(1980, 5, 3)),
    (" 2023-05-03\t", dt.date(2023, 5, 3)),
    ("２０２３－０５－０３", dt.date(2023, 5, 3)),
    ("１１２/０５/０３", dt.date(2023, 5, 3)),
    ("2023-02-30", None),  # not on the calendar
    ("2023/05/03", None),  # no form there is
]
AMOUNT_FORMS = [
    ("1200", Decimal("1200")),
    (" 1200 ", Decimal("1200")),
    ("１２００", Decimal("1200")),
    ("1200.0", Decimal("1200")),
    ("twelve", None),
    ("1e400", None),
]


@pytest.fixture(scope="module")
def staging_sql() -> dict[str, str]:
    """What dbt renders now: validation's three macros, and what staging compiles for a date and
    an amount column (clean_text is staging's for a text column), in one dbt invocation."""
    return repairs.render((*repairs.MACROS, "repair_date", "repair_amount"))


def _delivered(forms) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table delivered (v varchar, _source_line bigint)")
    con.executemany(
        "insert into delivered values (?, ?)", [[v, i] for i, (v, _) in enumerate(forms)]
    )
    return con


def _staging(con, sql: str) -> list:
    expression = sql.replace(repairs.PLACEHOLDER, "v")
    return [
        r[0]
        for r in con.execute(f"select {expression} from delivered order by _source_line").fetchall()
    ]


def _validation(con, meta: dict, column: str = "v") -> list:
    checked = repairs.checked_rows_sql("delivered", ["v", "_source_line"], meta)
    return [
        r[0]
        for r in con.execute(f"select {column} from ({checked}) order by _source_line").fetchall()
    ]


def test_the_committed_repairs_are_what_dbt_renders_now(staging_sql):
    rendered = {name: staging_sql[name] for name in repairs.MACROS}
    assert repairs.repairs() == rendered, "run python -m lifecrm.quality.repairs"


def test_text_forms_are_repaired_alike(staging_sql):
    con = _delivered(TEXT_FORMS)
    expected = [want for _, want in TEXT_FORMS]
    assert _staging(con, staging_sql["clean_text"]) == expected
    assert _validation(con, {}) == expected


def test_date_forms_are_repaired_alike(staging_sql):
    con = _delivered(DATE_FORMS)
    expected = [want for _, want in DATE_FORMS]
    assert _staging(con, staging_sql["repair_date"]) == expected
    meta = {"date_columns": ["v"]}
    # validation checks the parsed copy (the latest date there is when it is no date) and the
    # text as ISO, which a date staging cannot parse keeps in its delivered (cleaned) form
    as_date = _validation(con, meta, column="v__as_date")
    assert as_date == [want or dt.date(9999, 12, 31) for want in expected]
    text = _validation(con, meta)
    assert [t for t, want in zip(text, expected, strict=True) if want] == [
        want.isoformat() for want in expected if want
    ]


def test_amount_forms_are_repaired_alike(staging_sql):
    con = _delivered(AMOUNT_FORMS)
    expected = [want for _, want in AMOUNT_FORMS]
    assert _staging(con, staging_sql["repair_amount"]) == expected
    checked = _validation(con, {"amount_columns": ["v"]})
    assert checked == [float(want) if want is not None else float("-inf") for want in expected]


def test_staging_repairs_every_date_and_amount_of_the_contract():
    """Staging's models call the shared repairs, not a copy of them, on every such column."""
    models = {
        path.name: path.read_text(encoding="utf-8")
        for path in (PROJECT_ROOT / "models" / "staging").rglob("*.sql")
    }
    text = "\n".join(models.values())
    for export in exports().values():
        for column in export.columns:
            macro = {"date": "repair_date", "amount": "repair_amount"}.get(column.type)
            if macro:
                assert f"{macro}('{column.name}')" in text, (export.name, column.name)
    for name, sql in models.items():
        assert not re.search(r"parse_date\(|as decimal\(18, 2\)\)", sql), name


def test_a_column_no_rule_reads_is_checked_as_delivered():
    """Cleaning costs most on free text that no rule reads: validation keeps such a column as it
    was delivered, and cleans every column a rule reads (a date rule on `<name>__as_date`
    reads `<name>`)."""
    from lifecrm.quality.gx_suites import load_suite, unread

    suite, _ = load_suite("raw_interactions")
    columns = ["interaction_id", "customer_id", "interaction_date", "notes", "_source_line"]
    assert unread(suite, columns) == {"notes", "_source_line"}
    con = duckdb.connect()
    con.execute("create table delivered as select '　note ' as v, ' ＡＢ ' as w, 1 as _source_line")
    checked = repairs.checked_rows_sql("delivered", ["v", "w", "_source_line"], {}, unread={"v"})
    assert con.execute(f"select v, w from ({checked})").fetchall() == [("　note ", "AB")]
