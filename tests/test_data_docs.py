"""Data Docs: offline pages that mask identifying values, and a summary the Dagster UI shows."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from test_quality_suites import FILE, customers, validate

from dagster_project.defs.quality.gx_checks import _data_docs_links
from lifecrm import settings
from lifecrm.quality import data_docs
from lifecrm.reports.browser_check import CHROMIUM, check_page

BAD_ID = "A123456788"  # a wrong check digit
BAD_PHONE = "12-3456"
BAD_EMAIL = "someone.example.com"
NAME = "陳美玲"


@pytest.fixture(scope="module")
def validated():
    site = data_docs.site_dir()
    # what GX's own site builder left before: a page with a plain national ID
    legacy = site / "validations" / "raw_customers" / "old.html"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_text(f"<td>{BAD_ID}</td>")
    rows = customers(
        40,
        row3={"national_id": BAD_ID, "customer_name": NAME},
        row7={"phone": BAD_PHONE},
        row9={"email": BAD_EMAIL},
    )
    outcome = validate(rows)
    return outcome, legacy


def _files_under_gx() -> list[Path]:
    return [p for p in (settings.data_dir() / "gx").rglob("*") if p.is_file()]


def test_no_identifying_value_is_written_in_the_clear(validated):
    outcome, legacy = validated
    assert not outcome.success
    assert not legacy.exists()  # the old unmasked site is gone
    written = "".join(p.read_text(encoding="utf-8") for p in _files_under_gx())
    for value in (BAD_ID, BAD_PHONE, BAD_EMAIL, NAME, "A123456789", "0912345678"):
        assert value not in written, value
    page = Path(outcome.data_docs_pages[data_docs.page_label(FILE)])
    html = page.read_text(encoding="utf-8")
    assert data_docs.mask(BAD_ID) == "A12*******" and "A12*******" in html
    assert data_docs.mask(BAD_PHONE) in html and data_docs.mask(BAD_EMAIL) in html
    # the failing rows are named by their line: the bad ID was on line 5 (row 3, after a header)
    assert "expect_column_values_to_be_valid_tw_national_id(national_id)" in html
    assert "line 5: national_id A12*******" in html
    assert data_docs.identifying_columns() >= {
        "national_id", "customer_name", "phone", "email", "address_line", "national_id_sha256"
    }  # fmt: skip


def test_pages_stand_alone_offline(validated):
    outcome, _ = validated
    page = Path(outcome.data_docs_pages[data_docs.page_label(FILE)])
    index = Path(outcome.data_docs)
    assert index == data_docs.index_path() and index.is_file()
    for path in (index, page):
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html and "<link" not in html and "http" not in html, path
    assert page.relative_to(index.parent).as_posix() in index.read_text(encoding="utf-8")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="`make test` installs Debian's chromium")
def test_pages_render_in_chromium_fetching_nothing(validated, tmp_path):
    outcome, _ = validated
    for path in (
        Path(outcome.data_docs),
        Path(outcome.data_docs_pages[data_docs.page_label(FILE)]),
    ):
        shot = tmp_path / f"{path.stem}.png"
        checked = check_page(path, shot)
        assert checked.console_errors == [] and checked.network_requests == [], path
        assert shot.stat().st_size > 5_000


def test_the_check_shows_the_summary_in_the_ui_not_a_file_link(validated):
    outcome, _ = validated
    links = _data_docs_links(outcome)
    assert isinstance(links["data_docs"], dg.PathMetadataValue)
    summary = links[f"data_docs: {data_docs.page_label(FILE)}"]
    assert isinstance(summary, dg.MarkdownMetadataValue)
    text = summary.value
    assert "valid_tw_national_id(national_id)" in text and "A12*******" in text
    assert BAD_ID not in text and "file://" not in text
    assert str(data_docs.page_path("raw_customers", data_docs.page_label(FILE))) in text
