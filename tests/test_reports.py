"""What people read: the executive report rendered in headless Chromium, and the front-line CSV
exports (the control group left out, formula-like cells defused)."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lifecrm.reports import frontline
from lifecrm.reports.browser_check import CHROMIUM, PageCheck, check_page, overlapping_texts
from lifecrm.reports.executive import REPORT_FILE, SECTIONS

CHARTS = {
    "value_concentration", "persistency", "scorecard", "segments", "campaign_uplift", "lapse_risk",
}  # fmt: skip


def read_export(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


HEADLINE_KPIS = [
    "value_top_decile_share", "value_bottom_decile_share", "persistency_13m", "persistency_25m",
    "nps", "csat", "lapse_rate", "campaign_return_on_cost",
]  # fmt: skip
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="`make test` installs Debian's chromium"
)


@pytest.fixture(scope="module")
def rendered_report(built_world) -> PageCheck:
    """The run's executive report opened once in Chromium, its screenshot kept beside it."""
    report = built_world.data_dir / "reports" / REPORT_FILE
    assert report.exists(), "lifecrm run builds the executive report"
    return check_page(report, report.with_suffix(".png"))


def shown_number(text: str) -> float:
    """The first number in a text as a reader sees it: '\u221216.9%' -> -16.9."""
    found = re.search(r"[+\u2212-]?\d[\d,]*(\.\d+)?", text)
    assert found, f"no number in {text!r}"
    return float(found.group(0).replace("\u2212", "-").replace(",", ""))


@needs_chromium
def test_executive_report_renders_every_chart_in_chromium(built_world, rendered_report):
    page = rendered_report
    assert page.console_errors == []
    assert page.network_requests == []  # the file stands alone: nothing to fetch
    assert [chart["id"] for chart in page.charts] and len(page.charts) == len(SECTIONS)
    assert {chart["id"] for chart in page.charts} == CHARTS
    for chart in page.charts:
        assert chart["width"] > 200 and chart["height"] > 100, chart["id"]
        assert chart["marks"] > 10, chart["id"]  # axes alone draw a few; data draw many more
    screenshot = built_world.data_dir / "reports" / "executive_report.png"
    assert screenshot.stat().st_size > 50_000  # a page of charts, not a blank one


@needs_chromium
def test_executive_report_is_legible(built_world, rendered_report):
    """Headline figures first; in every chart no two labels overlap, no text is small, no legend
    covers a plot; channels and campaigns are named, not coded."""
    page = rendered_report
    assert page.headlines_top is not None, "the report has a headline block"
    assert page.headlines_top < min(chart["top"] for chart in page.charts)
    for chart in page.charts:
        assert overlapping_texts(chart) == [], chart["id"]
        heights = [text["bottom"] - text["top"] for text in chart["texts"]]
        assert heights and min(heights) >= 12, (chart["id"], min(heights))  # 10 pt, at 1280 px
        assert chart["legend_texts_over_plots"] == [], chart["id"]
    texts = {c["id"]: {t["text"] for t in c["texts"]} for c in page.charts}
    with built_world.connect() as con:
        channels = dict(
            con.execute("select channel_code, channel_name from marts.dim_channel").fetchall()
        )
        sold_by = {
            code
            for (code,) in con.execute(
                "select distinct channel_code from strategic.persistency"
            ).fetchall()
        }
        campaigns = {
            name
            for (name,) in con.execute(
                "select campaign_name from strategic.campaign_effectiveness "
                "where response_uplift_ci_low is not null"
            ).fetchall()
        }
    assert {channels[code] for code in sold_by} <= texts["persistency"]
    assert not {code for code in sold_by if code != channels[code]} & texts["persistency"]
    assert campaigns and campaigns <= texts["campaign_uplift"]


@needs_chromium
def test_headline_figures_on_the_page_are_the_strategic_tables(built_world, rendered_report):
    """Each headline card shows the published strategic.executive_headlines row: its unrounded
    values in data attributes, and the figures a reader sees rounded by the report's rules."""
    with built_world.connect() as con:
        cursor = con.execute(
            "select kpi_code, kpi_name, unit, current_value, previous_value, change_from_previous,"
            " previous_period_start_date from strategic.executive_headlines order by display_order"
        )
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    cards = rendered_report.headlines
    assert [card["kpi"] for card in cards] == [row["kpi_code"] for row in rows] == HEADLINE_KPIS
    for card, row in zip(cards, rows, strict=True):
        kpi, unit = row["kpi_code"], row["unit"]
        assert card["name_text"] == row["kpi_name"]
        assert card["unit"] == unit
        for attribute, column in (
            ("current", "current_value"),
            ("previous", "previous_value"),
            ("change", "change_from_previous"),
        ):
            if row[column] is None:
                assert card[attribute] == "", (kpi, attribute)
            else:
                assert float(card[attribute]) == pytest.approx(row[column], rel=1e-12), kpi
        # the text a reader sees: shares in percent (one decimal), their change in points
        scale, decimals = {"share": (100, 1), "points": (1, 1)}.get(unit, (1, 2))
        slack = 0.5 * 10**-decimals + 1e-9
        if row["current_value"] is not None:
            assert abs(shown_number(card["current_text"]) - scale * row["current_value"]) <= slack
            if unit == "share":
                assert card["current_text"].endswith("%"), kpi
        if row["previous_value"] is not None:
            assert card["previous_text"].startswith("previous:")
            assert abs(shown_number(card["previous_text"]) - scale * row["previous_value"]) <= slack
        change = row["change_from_previous"]
        if change is None:
            assert card["change_text"] is None, kpi
            assert card["direction"] == "none"
        else:
            assert abs(shown_number(card["change_text"]) - scale * change) <= slack, kpi
            shown = round(scale * change, decimals)
            assert card["direction"] == ("up" if shown > 0 else "down" if shown < 0 else "flat")
            assert (
                card["change_text"][0]
                == {"up": "\u25b2", "down": "\u25bc", "flat": "\u25b6"}[card["direction"]]
            )
            if unit == "share":
                assert card["change_text"].split(" (")[0].endswith(" pp"), kpi
    # on the test world every periodic figure has both periods: nothing above was vacuous
    measured = {row["kpi_code"]: row for row in rows}
    for kpi in ("persistency_13m", "persistency_25m", "nps", "csat", "lapse_rate"):
        assert measured[kpi]["current_value"] is not None, kpi
        assert measured[kpi]["previous_value"] is not None, kpi
    assert measured["value_top_decile_share"]["previous_period_start_date"] is None


def test_executive_headlines_agree_with_the_marts(built_world):
    """The headline figures measured again here from the marts (the yardstick: the twelve
    complete months up to the as-of date against the twelve before)."""
    with built_world.connect() as con:
        headlines = {
            row[0]: row[1:]
            for row in con.execute(
                "select kpi_code, current_value, previous_value, current_period_start_date,"
                " current_period_end_date, previous_period_start_date, as_of_date"
                " from strategic.executive_headlines"
            ).fetchall()
        }
        as_of = headlines["nps"][5]
        assert as_of == con.execute("select max(batch_date) from raw.load_manifest").fetchone()[0]
        # the tiny world's extract ends on 31 December: that December is complete
        assert as_of == date(2025, 12, 31)
        assert headlines["nps"][2:5] == (date(2025, 1, 1), date(2025, 12, 31), date(2024, 1, 1))
        measured = {}
        for period, year in (("current", 2025), ("previous", 2024)):
            for months in (13, 25):
                measured[(f"persistency_{months}m", period)] = con.execute(
                    "select avg(case when is_in_force_at_milestone then 1.0 else 0 end)"
                    " from marts.fct_policy_persistency where is_milestone_reached"
                    f" and milestone_months = {months} and year(milestone_date) = {year}"
                ).fetchone()[0]
            nps, csat = con.execute(
                "select 100.0 * (count(*) filter (where nps_score >= 9)"
                " - count(*) filter (where nps_score <= 6)) / count(*), avg(csat_score)"
                " from marts.fct_survey_responses where respondent_type = 'customer'"
                f" and year(survey_date) = {year}"
            ).fetchone()
            measured[("nps", period)], measured[("csat", period)] = nps, csat
            measured[("lapse_rate", period)] = con.execute(
                "select (select count(*) from marts.fct_policy_events where event_type = 'lapsed'"
                f" and year(event_date) = {year}) / ((select count(*) from marts.fct_policy_months"
                f" where is_in_force and year(month_start_date) = {year}) / 12.0)"
            ).fetchone()[0]
            measured[("campaign_return_on_cost", period)] = con.execute(
                "select sum(incremental_premium_twd) / nullif(sum(contact_cost_twd), 0)"
                " from strategic.campaign_effectiveness"
                f" where incremental_premium_twd is not null and year(end_date) = {year}"
            ).fetchone()[0]
        shares = dict(
            con.execute(
                "select decile, share_of_historical_margin from strategic.value_concentration"
            ).fetchall()
        )
    measured[("value_top_decile_share", "current")] = shares[10]
    measured[("value_bottom_decile_share", "current")] = shares[1]
    for (kpi, period), expected in measured.items():
        found = headlines[kpi][0 if period == "current" else 1]
        if expected is None:
            assert found is None, (kpi, period)
        else:
            assert found == pytest.approx(expected, rel=1e-9), (kpi, period)


def test_frontline_exports_leave_out_the_control_group(built_world):
    exports = built_world.data_dir / "exports"
    con = built_world.connect()
    try:
        numbers = dict(
            con.execute(
                "select customer_id, customer_key from pii.pii_customers where is_primary_number"
            ).fetchall()
        )
        for name in frontline.LISTS:
            files = sorted(exports.glob(f"*/{name}__*.csv"))
            exported = [
                (path, row, numbers.get(row["customer_number"], "-1"))
                for path in files
                for row in read_export(path)
            ]
            expected = con.execute(
                f"select work_queue, preferred_channel, customer_key from tactical.{name} "
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
            assert sorted(key for _, _, key in exported) == sorted(e[2] for e in expected)
            assert not held_back & {key for _, _, key in exported}, name
            # one file per work queue (a folder) and contact channel, each holding only its own
            assert len(files) == len({(e[0], e[1]) for e in expected}), name
            queues: dict[str, set[str]] = {}  # a customer's policies may sit in two queues
            for queue, _, key in expected:
                queues.setdefault(key, set()).add(frontline.folder_name(queue))
            for path, row, key in exported:
                assert path.parent.name in queues[key], (path, key)
                assert path.name == frontline.file_name(name, row["preferred_channel"]), path
            assert all("is_control_group" not in row for _, row, _ in exported)
    finally:
        con.close()
    assert any(exports.glob(f"*/{name}__*.csv") for name in frontline.LISTS)


def test_formula_like_cells_are_defused(tmp_path):
    """A cell starting with =, +, -, @, a tab or a carriage return is prefixed with a quote;
    other text and numbers (a negative one too) are written as they are."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema tactical")
    con.execute("create schema pii")
    con.execute(
        """
        create table pii.pii_customers as
        select 'k' || i as customer_key, 'C0000000' || i as customer_id,
            'name ' || i as customer_name, null as phone, null as email, null as address_line,
            null as district, null as city, null as postal_code, true as is_primary_number
        from range(1, 8) as t(i)
        """
    )
    con.execute(
        """
        create table tactical.retention_list as
        select * from (values
            (1, 'k1', '=HYPERLINK("http://x")', -5.0, 'Taipei', 'email', false),
            (2, 'k2', '+886 2 1234', 3.0, 'Taipei', 'email', false),
            (3, 'k3', '-1+1', 1.0, '=Kaohsiung', 'app', false),
            (4, 'k4', '@SUM(A1)', 2.0, 'Taipei', 'email', false),
            (5, 'k5', chr(9) || 'tab', 2.0, 'Taipei', 'email', false),
            (6, 'k6', 'plain = text', 2.0, 'Taipei', 'email', false),
            (7, 'k7', 'held out', 2.0, 'Taipei', 'email', true)
        ) as t(list_rank, customer_key, note, amount, work_queue, preferred_channel,
               is_control_group)
        """
    )
    exports = tmp_path / "exports"
    [result] = frontline.export_all(con, exports, ["retention_list"])
    assert (result.rows, result.control_rows_held_back, result.files) == (6, 1, 2)
    raw = b"".join(p.read_bytes() for p in sorted(exports.glob("*/retention_list__*.csv")))
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {
        row["list_rank"]: row
        for path in exports.glob("*/retention_list__*.csv")
        for row in read_export(path)
    }
    assert rows["1"]["note"] == '\'=HYPERLINK("http://x")'
    assert rows["1"]["amount"] == "-5.0"
    assert rows["2"]["note"] == "'+886 2 1234"
    assert rows["3"]["note"] == "'-1+1"
    assert (exports / "kaohsiung" / "retention_list__app.csv").exists()  # a safe folder name
    assert rows["4"]["note"] == "'@SUM(A1)"
    assert rows["5"]["note"] == "'\ttab"
    assert rows["6"]["note"] == "plain = text"
    assert "7" not in rows
    # a second export replaces the first whole
    con.execute("delete from tactical.retention_list where work_queue = '=Kaohsiung'")
    frontline.export_all(con, exports, ["retention_list"])
    assert [p.relative_to(exports).as_posix() for p in exports.glob("*/*.csv")] == [
        "taipei/retention_list__email.csv"
    ]
    assert not [p for p in exports.iterdir() if p.name.startswith(".")]
    con.close()
    shutil.rmtree(exports)
