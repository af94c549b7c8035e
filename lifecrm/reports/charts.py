"""The executive report's charts, drawn by matplotlib as inline SVG: the report stays one
self-contained file that needs no script, font or network to show.

Every chart is drawn at the report column's width (WIDTH inches: about its width in CSS pixels
at 96 per inch, so the SVG is shown at its own scale and its 10-point text stays 10 points);
legends sit outside the plotting area, long labels on the vertical axis, and the units follow
the report's one convention (lifecrm/reports/headlines.py): percentages, TWD millions.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display here, and none needed
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller, selectable, searchable
        "svg.hashsalt": "lifecrm",  # stable element ids, so the same data give the same file
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.frameon": False,
    }
)
WIDTH = 9.2  # inches
HEIGHT = 4.2
PALETTE = ["#1b6ca8", "#e07a1f", "#2a9d5c", "#c0392b", "#7d4fa0", "#8c6d31", "#d35fb7", "#555555"]
PERCENT = PercentFormatter(xmax=100, decimals=0)
MILLIONS = FuncFormatter(lambda value, _: f"{value:,.1f}".replace("-", "\u2212"))


def to_svg(figure: plt.Figure) -> str:
    """The figure as an <svg> element (no XML prolog), closed afterwards."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def value_concentration(deciles: Sequence[int], shares: Sequence[float]) -> str:
    """Each tenth of current customers' share of their historical margin as bars (top first),
    with the cumulative curve over them."""
    figure, axes = plt.subplots(figsize=(WIDTH, HEIGHT), layout="constrained")
    labels = [str(d) for d in deciles]
    percents = [100 * s for s in shares]
    colours = ["#2a9d8f" if share >= 0 else "#e76f51" for share in shares]
    bars = axes.bar(labels, percents, color=colours, label="the tenth's share of the margin")
    # each bar's figure inside it, or beyond its end when it is too short to hold the text
    span = max(abs(p) for p in percents) or 1
    for bar, share in zip(bars, percents, strict=True):
        inside = abs(share) >= 0.12 * span
        axes.annotate(
            f"{share:.1f}%".replace("-", "\u2212"),
            (bar.get_x() + bar.get_width() / 2, share / 2 if inside else share),
            xytext=(0, 0 if inside else (3 if share >= 0 else -3)),
            textcoords="offset points",
            ha="center",
            va="center" if inside else ("bottom" if share >= 0 else "top"),
            color="white" if inside else "black",
            fontsize=9,
        )
    cumulative, total = [], 0.0
    for share in percents:
        total += share
        cumulative.append(total)
    axes.plot(
        labels, cumulative, marker="o", color="#264653", label="cumulative share from the top"
    )
    axes.axhline(0, color="black", linewidth=0.8)
    axes.yaxis.set_major_formatter(PERCENT)
    axes.set_xlabel("current customers in tenths by historical margin (10 = the most valuable)")
    axes.set_ylabel("share of current customers' margin")
    figure.legend(loc="outside upper center", ncols=2)
    return to_svg(figure)


def cohort_panels(
    panels: dict[str, dict[str, tuple[Sequence[int], Sequence[float]]]],
) -> str:
    """Full-width panels one above the other (e.g. 13- and 25-month persistency), each a line per
    series (e.g. a sales channel) over the years, shares drawn as percentages; one legend for all
    panels, beside them."""
    names = sorted({name for series in panels.values() for name in series})
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}
    figure, grid = plt.subplots(
        len(panels), 1, figsize=(WIDTH, 3.0 * len(panels)), sharex=True, layout="constrained",
        squeeze=False,
    )  # fmt: skip
    for axes, (title, series) in zip(grid.flat, panels.items(), strict=True):
        for name in names:
            if name in series:
                xs, ys = series[name]
                axes.plot(
                    list(xs), [100 * y for y in ys], color=colours[name], linewidth=1.8,
                    marker="o", markersize=4, label=name,
                )  # fmt: skip
        axes.set_title(title)
        axes.yaxis.set_major_formatter(PERCENT)
        axes.xaxis.get_major_locator().set_params(integer=True)
    grid.flat[-1].set_xlabel("year of issue")
    handles = [plt.Line2D([], [], color=colours[n], marker="o", linewidth=1.8) for n in names]
    figure.legend(
        handles, names, loc="outside lower center", ncols=min(len(names), 5),
        title="sales channel",
    )  # fmt: skip
    return to_svg(figure)


def monthly_panels(
    panels: list[tuple[str, Sequence[date], Sequence[float | None], str]],
    *,
    columns: int = 2,
) -> str:
    """A grid of line charts over months, one series each; each panel's kind ('percent',
    'millions' or 'number') sets its axis. Years label the x axis, quarters tick it."""
    rows = -(-len(panels) // columns)
    figure, grid = plt.subplots(
        rows, columns, figsize=(WIDTH, 3.0 * rows), sharex=True, layout="constrained",
        squeeze=False,
    )  # fmt: skip
    for axes, (title, months, values, kind) in zip(grid.flat, panels, strict=False):
        shown = [None if v is None else (100 * v if kind == "percent" else v) for v in values]
        axes.plot(list(months), shown, linewidth=1.6, marker="o", markersize=3, color=PALETTE[0])
        axes.set_title(title)
        if kind == "percent":
            axes.yaxis.set_major_formatter(PERCENT)
        elif kind == "millions":
            axes.yaxis.set_major_formatter(MILLIONS)
        axes.xaxis.set_major_locator(mdates.YearLocator())
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        axes.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    for axes in list(grid.flat)[len(panels) :]:
        axes.set_visible(False)
    return to_svg(figure)


def paired_bars(
    labels: Sequence[str],
    left: Sequence[float],
    right: Sequence[float],
    names: tuple[str, str],
    xlabel: str,
) -> str:
    """Two horizontal bars per label (e.g. a segment's share of customers beside its share of
    value), shares drawn as percentages; the labels sit on the vertical axis, so long names
    never overlap."""
    height = max(2.5, 0.62 * len(labels) + 1.0)
    figure, axes = plt.subplots(figsize=(WIDTH, height), layout="constrained")
    positions = list(range(len(labels)))
    bar = 0.38
    for offset, values, name, colour in (
        (-bar / 2, left, names[0], "#8ab17d"),
        (bar / 2, right, names[1], "#264653"),
    ):
        bars = axes.barh(
            [p + offset for p in positions], [100 * v for v in values], bar, label=name,
            color=colour,
        )  # fmt: skip
        axes.bar_label(
            bars, [f"{100 * v:.1f}%".replace("-", "\u2212") for v in values], padding=3,
            fontsize=9,
        )  # fmt: skip
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.xaxis.set_major_formatter(PERCENT)
    axes.set_xlabel(xlabel)
    axes.axvline(0, color="black", linewidth=0.8)
    axes.margins(x=0.12)
    figure.legend(loc="outside upper center", ncols=2)
    return to_svg(figure)


def intervals(
    labels: Sequence[str],
    estimates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    xlabel: str,
) -> str:
    """Point estimates (shares) with their confidence intervals in percentage points, one row per
    label, and a zero line."""
    figure, axes = plt.subplots(
        figsize=(WIDTH, max(2.5, 0.34 * len(labels) + 1.0)), layout="constrained"
    )
    positions = list(range(len(labels)))
    errors = [
        [100 * (e - lo) for e, lo in zip(estimates, lows, strict=True)],
        [100 * (hi - e) for e, hi in zip(estimates, highs, strict=True)],
    ]
    axes.errorbar(
        [100 * e for e in estimates], positions, xerr=errors, fmt="o", color="#264653", capsize=3
    )
    axes.axvline(0, color="#e76f51", linewidth=1.2)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    return to_svg(figure)


def histogram(values: Sequence[float], *, bins: int, xlabel: str, ylabel: str) -> str:
    """The distribution of shares (e.g. probabilities), drawn as percentages."""
    figure, axes = plt.subplots(figsize=(WIDTH, HEIGHT), layout="constrained")
    axes.hist([100 * v for v in values], bins=bins, color="#2a9d8f", edgecolor="white")
    axes.xaxis.set_major_formatter(PERCENT)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    return to_svg(figure)
