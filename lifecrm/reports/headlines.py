"""The executive report's headline figures and the report's one unit convention.

The figures are `strategic.executive_headlines`' (each KPI over the last twelve complete months,
the twelve before and the change, computed there once); this module only reads and formats them.
The convention, in the headlines, the charts' explanations and their axes alike: shares as
percentages with one decimal, their changes in percentage points, money in TWD millions with one
decimal, NPS in points with one decimal, CSAT (1 to 5) and ratios with two decimals.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

import duckdb

MINUS = "\u2212"  # a typographic minus: a hyphen reads as a dash in large type

HEADLINES_SQL = """
select
    kpi_code, kpi_name, unit, is_higher_better, basis_unit, as_of_date,
    current_period_start_date, current_period_end_date,
    previous_period_start_date, previous_period_end_date,
    current_value, previous_value, change_from_previous, current_basis, previous_basis
from strategic.executive_headlines
order by display_order
"""

UNIT_NOTES = {
    "share": "",
    "points": "promoters minus detractors, per 100 responses",
    "score": "mean of 1 to 5",
    "ratio": "TWD of incremental premium per TWD of contact cost",
}


@dataclass(frozen=True)
class Headline:
    kpi_code: str
    kpi_name: str
    unit: str
    is_higher_better: bool
    basis_unit: str | None
    as_of_date: date
    current_period_start_date: date
    current_period_end_date: date
    previous_period_start_date: date | None
    previous_period_end_date: date | None
    current_value: float | None
    previous_value: float | None
    change_from_previous: float | None
    current_basis: int | None
    previous_basis: int | None


def read(con: duckdb.DuckDBPyConnection) -> list[Headline]:
    cursor = con.execute(HEADLINES_SQL)
    names = [column[0] for column in cursor.description]
    return [Headline(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def _signed(text: str, value: float) -> str:
    return f"+{text}" if value > 0 else text.replace("-", MINUS)


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal: 0.8494 -> '84.9%'."""
    return "n/a" if value is None else f"{100 * value:.1f}%".replace("-", MINUS)


def twd_millions(value: float | None) -> str:
    """An amount in TWD millions with one decimal: 1,062,549 -> 'TWD 1.1 million'."""
    if value is None:
        return "n/a"
    return f"TWD {value / 1e6:,.1f} million".replace("-", MINUS)


def value_text(unit: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if unit == "share":
        return percent(value)
    if unit == "points":
        return f"{value:.1f}".replace("-", MINUS) if value <= 0 else f"+{value:.1f}"
    return f"{value:.2f}".replace("-", MINUS)  # score, ratio


def _shown_change(unit: str, change: float) -> float:
    """The change as displayed: percentage points for shares, one decimal for points, two else."""
    if unit == "share":
        return round(100 * change, 1) + 0.0  # + 0.0: no negative zero
    return round(change, 1 if unit == "points" else 2) + 0.0


def change_text(unit: str, change: float) -> str:
    shown = _shown_change(unit, change)
    if unit == "share":
        return _signed(f"{shown:.1f}", shown) + " pp"
    if unit == "points":
        return _signed(f"{shown:.1f}", shown) + " points"
    return _signed(f"{shown:.2f}", shown)


def direction(headline: Headline) -> str:
    """'up', 'down', 'flat' (a change that rounds to zero as displayed) or 'none'."""
    change = headline.change_from_previous
    if change is None:
        return "none"
    shown = _shown_change(headline.unit, change)
    if shown == 0:
        return "flat"
    return "up" if shown > 0 else "down"


def period_text(start: date | None, end: date | None) -> str:
    if start is None or end is None:
        return "n/a"
    if start == end:
        return f"on {end:%d %B %Y}".replace(" 0", " ")
    return f"{start:%B %Y} to {end:%B %Y}"


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def render(headlines: list[Headline]) -> str:
    """The headline block: one card per KPI, each with its figure, the previous period's and the
    change; data attributes carry the table's unrounded values for machines to check."""
    if not headlines:
        return '<section id="headlines"><p class="no-data">No headline figures yet.</p></section>'
    periodic = next((h for h in headlines if h.previous_period_start_date is not None), None)
    intro = "The headline figures"
    if periodic is not None:
        intro += (
            f" over the last twelve complete months, "
            f"{period_text(periodic.current_period_start_date, periodic.current_period_end_date)}"
            f", against the twelve before, "
            f"{period_text(periodic.previous_period_start_date, periodic.previous_period_end_date)}"
        )
    cards = [_card(headline) for headline in headlines]
    return (
        '<section id="headlines">\n<h2>Headline figures</h2>\n'
        f'<p class="period">{html.escape(intro)}.</p>\n'
        '<div class="cards">\n' + "\n".join(cards) + "\n</div>\n</section>"
    )


def _card(h: Headline) -> str:
    moved = direction(h)
    if h.previous_period_start_date is None:
        previous = "previous: not measured (scored on the as-of date only)"
    else:
        previous = f"previous: {value_text(h.unit, h.previous_value)}"
    change = ""
    if moved != "none":
        good = moved != "flat" and ((moved == "up") == h.is_higher_better)
        verdict = "flat" if moved == "flat" else ("better" if good else "worse")
        arrow = {"up": "\u25b2", "down": "\u25bc", "flat": "\u25b6"}[moved]
        change = (
            f'<span class="change {verdict}">{arrow} '
            f"{change_text(h.unit, h.change_from_previous)} ({verdict})</span>\n"
        )
    basis = ""
    if h.current_basis is not None and h.basis_unit:
        basis = f"{h.current_basis:,} {h.basis_unit}"
        if h.previous_basis is not None:
            basis += f" ({h.previous_basis:,} before)"
        basis = f'<span class="basis">{html.escape(basis)}</span>\n'
    note = UNIT_NOTES.get(h.unit, "")
    note_html = f'<span class="unit-note">{html.escape(note)}</span>\n' if note else ""
    return (
        f'<div class="kpi" data-kpi="{html.escape(h.kpi_code)}" data-unit="{html.escape(h.unit)}"'
        f' data-current="{_number(h.current_value)}" data-previous="{_number(h.previous_value)}"'
        f' data-change="{_number(h.change_from_previous)}" data-direction="{moved}">\n'
        f'<span class="name">{html.escape(h.kpi_name)}</span>\n{note_html}'
        f'<span class="current">{value_text(h.unit, h.current_value)}</span>\n'
        f'<span class="previous">{html.escape(previous)}</span>\n{change}{basis}</div>'
    )


def value_of(headlines: list[Headline], kpi_code: str) -> float | None:
    return next((h.current_value for h in headlines if h.kpi_code == kpi_code), None)
