"""The executive report's charts, drawn by matplotlib as inline SVG: the report stays one
self-contained file that needs no script, font or network to show."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display here, and none needed
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller, selectable, searchable
        "svg.hashsalt": "lifecrm",  # stable element ids, so the same data give the same file
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
    }
)
SIZE = (6.4, 3.4)


def to_svg(figure: plt.Figure) -> str:
    """The figure as an <svg> element (no XML prolog), closed afterwards."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def value_concentration(deciles: Sequence[int], shares: Sequence[float]) -> str:
    """Each decile's share of value as bars (top first), with the cumulative curve over them."""
    figure, axes = plt.subplots(figsize=SIZE)
    labels = [str(d) for d in deciles]
    colours = ["#2a9d8f" if share >= 0 else "#e76f51" for share in shares]
    axes.bar(labels, [100 * s for s in shares], color=colours, label="share of value")
    cumulative, total = [], 0.0
    for share in shares:
        total += share
        cumulative.append(100 * total)
    axes.plot(
        labels, cumulative, marker="o", color="#264653", label="cumulative share from the top"
    )
    axes.axhline(0, color="black", linewidth=0.8)
    axes.set_xlabel("value decile (10 = most valuable tenth)")
    axes.set_ylabel("% of total value")
    axes.legend(loc="center right", frameon=False)
    return to_svg(figure)


def small_multiples(
    panels: dict[str, dict[str, tuple[Sequence, Sequence[float]]]],
    *,
    columns: int = 2,
    percent: bool = False,
) -> str:
    """A grid of small line charts sharing the x axis, one per panel, each with its series."""
    rows = -(-len(panels) // columns)
    figure, grid = plt.subplots(
        rows, columns, figsize=(6.4, 2.0 * rows), sharex=True, squeeze=False
    )
    for axes, (title, series) in zip(grid.flat, panels.items(), strict=False):
        for name, (xs, ys) in series.items():
            values = [None if y is None else (100 * y if percent else y) for y in ys]
            axes.plot(list(xs), values, linewidth=1.2, marker="o", markersize=2, label=name)
        axes.set_title(title, fontsize=9, loc="left")
        if len(series) > 1:
            axes.legend(frameon=False, fontsize=6)
    for axes in list(grid.flat)[len(panels) :]:
        axes.set_visible(False)
    figure.autofmt_xdate()
    figure.tight_layout()
    return to_svg(figure)


def paired_bars(
    labels: Sequence[str],
    left: Sequence[float],
    right: Sequence[float],
    names: tuple[str, str],
    ylabel: str,
) -> str:
    """Two bars per label (e.g. a segment's share of customers beside its share of value)."""
    figure, axes = plt.subplots(figsize=SIZE)
    positions = range(len(labels))
    width = 0.4
    axes.bar(
        [p - width / 2 for p in positions],
        [100 * v for v in left],
        width,
        label=names[0],
        color="#8ab17d",
    )
    axes.bar(
        [p + width / 2 for p in positions],
        [100 * v for v in right],
        width,
        label=names[1],
        color="#264653",
    )
    axes.set_xticks(list(positions), labels, rotation=20, ha="right", fontsize=7)
    axes.set_ylabel(ylabel)
    axes.axhline(0, color="black", linewidth=0.8)
    axes.legend(frameon=False)
    return to_svg(figure)


def intervals(
    labels: Sequence[str],
    estimates: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    xlabel: str,
) -> str:
    """Point estimates with their confidence intervals, one row per label, and a zero line."""
    figure, axes = plt.subplots(figsize=(6.4, max(2.0, 0.28 * len(labels) + 0.8)))
    positions = list(range(len(labels)))
    errors = [
        [100 * (e - lo) for e, lo in zip(estimates, lows, strict=True)],
        [100 * (hi - e) for e, hi in zip(estimates, highs, strict=True)],
    ]
    axes.errorbar(
        [100 * e for e in estimates], positions, xerr=errors, fmt="o", color="#264653", capsize=2
    )
    axes.axvline(0, color="#e76f51", linewidth=1)
    axes.set_yticks(positions, labels, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    return to_svg(figure)


def histogram(values: Sequence[float], *, bins: int, xlabel: str, ylabel: str) -> str:
    figure, axes = plt.subplots(figsize=SIZE)
    axes.hist(list(values), bins=bins, color="#2a9d8f", edgecolor="white")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    return to_svg(figure)
