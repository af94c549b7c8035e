"""The executive report: one self-contained HTML file of charts and short explanations, built
from the strategic tables (the paper's strategic information), with nothing fetched to show it."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lifecrm.reports import charts
from lifecrm.reports import headlines as headline
from lifecrm.reports.headlines import percent, twd_millions

REPORT_FILE = "executive_report.html"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    text: str
    svg: str | None  # None: no data to draw yet, said in the text


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _channel_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(_rows(con, "select channel_code, channel_name from marts.dim_channel"))


def value_concentration_chart(
    con: duckdb.DuckDBPyConnection, headlines: list[headline.Headline]
) -> Chart:
    rows = _rows(
        con,
        "select decile, share_of_historical_margin, share_of_value_score "
        "from strategic.value_concentration order by decile desc",
    )
    title = "Value concentration"
    if not rows:
        return Chart("value_concentration", title, "No customer value has been scored yet.", None)
    top = headline.value_of(headlines, "value_top_decile_share")
    bottom = headline.value_of(headlines, "value_bottom_decile_share")
    score_top, score_bottom = rows[0][2], rows[-1][2]
    text = (
        "Current customers (a policy in force) in ten equal bands by historical margin (what "
        f"each has earned the insurer so far). The most valuable tenth holds {percent(top)} of "
        f"their margin and the least valuable tenth {percent(bottom)}: as in the paper's Royal "
        "&amp; SunAlliance case (38% and \u221228%), a tail of customers destroys value that "
        "the rest create. Ranked by value score instead (margin plus the margin their policies "
        f"in force are expected to earn), the top tenth holds {percent(score_top)} of the value "
        f"score and the bottom tenth {percent(score_bottom)}."
    )
    svg = charts.value_concentration([r[0] for r in rows], [r[1] for r in rows])
    return Chart("value_concentration", title, text, svg)


def persistency_chart(con: duckdb.DuckDBPyConnection, headlines: list[headline.Headline]) -> Chart:
    # the cohorts' counts summed over products and agent-tenure bands: the table's own ratio
    # per channel and year of issue
    rows = _rows(
        con,
        """
        select channel_code, issue_year,
            sum(policies_persisting_13m) / nullif(sum(policies_at_13m), 0),
            sum(policies_persisting_25m) / nullif(sum(policies_at_25m), 0)
        from strategic.persistency
        group by channel_code, issue_year
        having sum(policies_at_13m) > 0
        order by channel_code, issue_year
        """,
    )
    title = "Persistency by year of issue and sales channel"
    if not rows:
        return Chart("persistency", title, "No cohort has reached its 13th month yet.", None)
    names = _channel_names(con)
    panels: dict[str, dict[str, tuple[list, list]]] = {
        "13-month persistency": {},
        "25-month persistency": {},
    }
    for channel, year, *values in rows:
        for series, value in zip(panels.values(), values, strict=True):
            if value is not None:
                xs, ys = series.setdefault(names.get(channel, channel), ([], []))
                xs.append(year)
                ys.append(value)
    recent = headline.value_of(headlines, "persistency_25m")
    text = (
        "Share of each year's new policies still in force 13 and 25 months on, by the channel "
        f"that sold them. Of the policies whose 25th month fell in the last twelve months, "
        f"{percent(recent)} were still in force (the paper's Taiwan figure: 74.0%)."
    )
    return Chart("persistency", title, text, charts.cohort_panels(panels))


SCORECARD_PANELS = (
    ("Quality: complaint resolution (days)", "complaint_resolution_days", "number"),
    ("Satisfaction: mean CSAT (1 to 5)", "csat_mean", "number"),
    ("Loyalty: 13-month persistency", "persistency_13m", "percent"),
    ("Profit: margin (TWD millions a month)", "margin_twd", "millions"),
)


def scorecard_chart(con: duckdb.DuckDBPyConnection, headlines: list[headline.Headline]) -> Chart:
    columns = ", ".join(column for _, column, _ in SCORECARD_PANELS)
    rows = _rows(
        con,
        f"""
        select month_start_date, {columns} from strategic.crm_scorecard
        where segment_name = 'all' and channel_code = 'all'
            and month_start_date > (select max(month_start_date) from strategic.crm_scorecard)
                - interval 36 month
        order by month_start_date
        """,
    )
    title = "CRM scorecard: the four criteria"
    if not rows:
        return Chart("scorecard", title, "The scorecard is empty.", None)
    months = [r[0] for r in rows]
    panels = [
        (name, months, [r[i + 1] if kind != "millions" or r[i + 1] is None
                        else r[i + 1] / 1e6 for r in rows], kind)
        for i, (name, _, kind) in enumerate(SCORECARD_PANELS)
    ]  # fmt: skip
    text = (
        "The paper's causal chain, month by month over the last three years: quality of "
        "service leads to satisfaction, satisfaction to loyalty, loyalty to profit. Measuring "
        "satisfaction alone is named there as a cause of CRM failure, so all four are shown "
        "side by side."
    )
    return Chart("scorecard", title, text, charts.monthly_panels(panels))


def segment_chart(con: duckdb.DuckDBPyConnection, headlines: list[headline.Headline]) -> Chart:
    rows = _rows(
        con,
        "select segment_name, share_of_customers, share_of_value "
        "from strategic.segment_profitability order by segment_id",
    )
    title = "Segment profiles"
    if not rows:
        return Chart("segments", title, "No customer segments have been assigned yet.", None)
    best = max(rows, key=lambda r: (r[2] or 0) - (r[1] or 0))
    text = (
        "Each segment's share of the customers beside its share of the book's value. "
        f"Segment {html.escape(best[0])} holds {percent(best[2])} of the value with "
        f"{percent(best[1])} of the customers: the depth of service should follow the value."
    )
    svg = charts.paired_bars(
        [r[0] for r in rows],
        [r[1] or 0 for r in rows],
        [r[2] or 0 for r in rows],
        ("share of the customers", "share of the value"),
        "share of all the customers, or of all the value",
    )
    return Chart("segments", title, text, svg)


def campaign_chart(con: duckdb.DuckDBPyConnection, headlines: list[headline.Headline]) -> Chart:
    rows = _rows(
        con,
        """
        select campaign_name, response_uplift, response_uplift_ci_low, response_uplift_ci_high
        from strategic.campaign_effectiveness
        where response_uplift is not null and response_uplift_ci_low is not null
        order by start_date, campaign_id
        """,
    )
    title = "Campaign uplift over the control groups"
    if not rows:
        return Chart("campaign_uplift", title, "No campaign has a control group yet.", None)
    significant = sum(1 for r in rows if r[2] > 0)
    text = (
        "Each campaign's response rate among the contacted minus that of its randomised control "
        f"group, with a 95% confidence interval. {significant} of {len(rows)} campaigns raised "
        "responses beyond doubt; an interval across zero has not shown an effect."
    )
    svg = charts.intervals(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        "response uplift (percentage points)",
    )
    return Chart("campaign_uplift", title, text, svg)


def lapse_risk_chart(con: duckdb.DuckDBPyConnection, headlines: list[headline.Headline]) -> Chart:
    probabilities = [
        r[0] for r in _rows(con, "select lapse_probability_12m from ml.policy_lapse_scores")
    ]
    expected = _rows(
        con,
        "select sum(expected_lapses_12m), sum(premium_at_risk_12m_twd) "
        "from strategic.lapse_risk_overview",
    )[0]
    title = "Lapse risk of the book in force"
    if not probabilities:
        return Chart("lapse_risk", title, "No policy has been scored yet.", None)
    text = (
        f"The lapse model's 12-month probability for each of the {len(probabilities):,} "
        f"policies in force: it expects {expected[0]:,.0f} lapses and "
        f"{twd_millions(expected[1])} of annualised premium at risk. The retention list takes "
        "the riskiest whose premium falls due soon."
    )
    svg = charts.histogram(
        probabilities, bins=30, xlabel="12-month lapse probability", ylabel="policies"
    )
    return Chart("lapse_risk", title, text, svg)


SECTIONS = (
    value_concentration_chart,
    persistency_chart,
    scorecard_chart,
    segment_chart,
    campaign_chart,
    lapse_risk_chart,
)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>lifecrm executive report, {as_of}</title>
<style>
body {{ font-family: sans-serif; max-width: 60rem; margin: 2rem auto; color: #222;
        line-height: 1.45; padding: 0 1rem; }}
h1 {{ font-size: 1.6rem; margin-bottom: 0.2rem; }}
h2 {{ font-size: 1.2rem; margin: 0 0 0.3rem 0; }}
.as-of, .period, .conventions {{ color: #555; margin-top: 0; }}
#headlines .cards {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 0.75rem; }}
.kpi {{ border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 0.75rem;
        display: flex; flex-direction: column; gap: 0.15rem; }}
.kpi .name {{ font-weight: bold; font-size: 0.9rem; }}
.kpi .current {{ font-size: 1.9rem; font-weight: bold; line-height: 1.1; }}
.kpi .unit-note, .kpi .basis, .kpi .previous {{ font-size: 0.8rem; color: #555; }}
.kpi .change {{ font-size: 0.9rem; font-weight: bold; }}
.change.better {{ color: #1d7a3e; }}
.change.worse {{ color: #b3261e; }}
.change.flat, .change.none {{ color: #666; font-weight: normal; }}
figure.chart {{ margin: 2rem 0; border-top: 1px solid #ddd; padding-top: 1rem; }}
figure.chart svg {{ width: 100%; height: auto; }}
.no-data {{ color: #a33; }}
</style>
</head>
<body>
<h1>lifecrm executive report</h1>
<p class="as-of">Warehouse as of {as_of}. Strategic information from the
<code>strategic</code> schema; every figure can be queried there (the headline figures are
<code>strategic.executive_headlines</code>).</p>
<p class="conventions">Shares are percentages with one decimal and their changes percentage
points (pp); amounts are in TWD millions.</p>
{headlines}
{sections}
</body>
</html>
"""


def render(charts_: list[Chart], as_of: str, headlines_html: str = "") -> str:
    sections = []
    for chart in charts_:
        body = chart.svg if chart.svg else '<p class="no-data">No data to draw.</p>'
        sections.append(
            f'<figure class="chart" id="{chart.key}" data-drawn="{str(bool(chart.svg)).lower()}">\n'
            f"<figcaption><h2>{html.escape(chart.title)}</h2><p>{chart.text}</p></figcaption>\n"
            f"{body}\n</figure>"
        )
    return PAGE.format(
        as_of=html.escape(as_of), headlines=headlines_html, sections="\n".join(sections)
    )


def build(con: duckdb.DuckDBPyConnection, out_dir: Path) -> tuple[Path, list[Chart]]:
    """Write the report (atomically: a reader never opens half a file); returns its path."""
    figures = headline.read(con)
    as_of = figures[0].as_of_date if figures else "unknown"
    drawn = [section(con, figures) for section in SECTIONS]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    scratch.write_text(render(drawn, str(as_of), headline.render(figures)), encoding="utf-8")
    os.replace(scratch, path)
    return path, drawn
