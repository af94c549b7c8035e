"""What people read: the executive report rendered in headless Chromium, and the front-line CSV
exports (the control group left out, formula-like cells defused)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from lifecrm.reports import frontline
from lifecrm.reports.browser_check import CHROMIUM, check_page
from lifecrm.reports.executive import REPORT_FILE, SECTIONS

CHARTS = {
    "value_concentration", "persistency", "scorecard", "segments", "campaign_uplift", "lapse_risk",
}  # fmt: skip


def read_export(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="`make test` installs Debian's chromium")
def test_executive_report_renders_every_chart_in_chromium(built_world):
    report = built_world.data_dir / "reports" / REPORT_FILE
    assert report.exists(), "lifecrm run builds the executive report"
    screenshot = report.with_suffix(".png")
    page = check_page(report, screenshot)
    assert page.console_errors == []
    assert page.network_requests == []  # the file stands alone: nothing to fetch
    assert [chart["id"] for chart in page.charts] and len(page.charts) == len(SECTIONS)
    assert {chart["id"] for chart in page.charts} == CHARTS
    for chart in page.charts:
        assert chart["width"] > 200 and chart["height"] > 100, chart
        assert chart["marks"] > 10, chart  # axes alone draw a few; data draw many more
    assert screenshot.stat().st_size > 50_000  # a page of charts, not a blank one


def test_frontline_exports_leave_out_the_control_group(built_world):
    exports = built_world.data_dir / "exports"
    con = built_world.connect()
    try:
        for name in frontline.LISTS:
            files = sorted((exports / name).glob("*.csv"))
            exported = [row for path in files for row in read_export(path)]
            expected = con.execute(
                f"select servicing_branch, preferred_channel, customer_key from tactical.{name} "
                + ("where not is_control_group" if name != "service_recovery" else "")
            ).fetchall()
            held_back = set()
            if name != "service_recovery":
                held_back = {
                    key
                    for (key,) in con.execute(
                        f"select customer_key from tactical.{name} where is_control_group"
                    ).fetchall()
                }
            assert sorted(r["customer_key"] for r in exported) == sorted(e[2] for e in expected)
            assert not held_back & {r["customer_key"] for r in exported}, name
            # one file per servicing branch and contact channel, each holding only its own
            assert len(files) == len({(e[0], e[1]) for e in expected}), name
            for path in files:
                for row in read_export(path):
                    stem = frontline.file_stem(row["servicing_branch"], row["preferred_channel"])
                    assert path.stem == stem, (path, row["servicing_branch"])
            assert all("is_control_group" not in row for row in exported)
    finally:
        con.close()
    assert any((exports / name).glob("*.csv") for name in frontline.LISTS)


def test_formula_like_cells_are_defused(tmp_path):
    """A cell starting with =, +, -, @, a tab or a carriage return is prefixed with a quote;
    other text and numbers (a negative one too) are written as they are."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema tactical")
    con.execute(
        """
        create table tactical.retention_list as
        select * from (values
            (1, '=HYPERLINK("http://x")', -5.0, 'Taipei', 'email', false),
            (2, '+886 2 1234', 3.0, 'Taipei', 'email', false),
            (3, '-1+1', 1.0, '=Kaohsiung', 'app', false),
            (4, '@SUM(A1)', 2.0, 'Taipei', 'email', false),
            (5, chr(9) || 'tab', 2.0, 'Taipei', 'email', false),
            (6, 'plain = text', 2.0, 'Taipei', 'email', false),
            (7, 'held out', 2.0, 'Taipei', 'email', true)
        ) as t(list_rank, customer_key, amount, servicing_branch, preferred_channel,
               is_control_group)
        """
    )
    result = frontline.export_list(con, "retention_list", tmp_path / "exports")
    assert (result.rows, result.control_rows_held_back, result.files) == (6, 1, 2)
    raw = b"".join(
        p.read_bytes() for p in sorted((tmp_path / "exports" / "retention_list").glob("*.csv"))
    )
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {
        row["list_rank"]: row
        for path in (tmp_path / "exports" / "retention_list").glob("*.csv")
        for row in read_export(path)
    }
    assert rows["1"]["customer_key"] == '\'=HYPERLINK("http://x")'
    assert rows["1"]["amount"] == "-5.0"
    assert rows["2"]["customer_key"] == "'+886 2 1234"
    assert rows["3"]["customer_key"] == "'-1+1" and rows["3"]["servicing_branch"] == "'=Kaohsiung"
    assert rows["4"]["customer_key"] == "'@SUM(A1)"
    assert rows["5"]["customer_key"] == "'\ttab"
    assert rows["6"]["customer_key"] == "plain = text"
    assert "7" not in rows
    # a second export replaces the first whole
    con.execute("delete from tactical.retention_list where servicing_branch = '=Kaohsiung'")
    frontline.export_list(con, "retention_list", tmp_path / "exports")
    assert len(list((tmp_path / "exports" / "retention_list").glob("*.csv"))) == 1
    assert not [p for p in (tmp_path / "exports").iterdir() if p.name.startswith(".")]
    con.close()
    shutil.rmtree(tmp_path / "exports")
