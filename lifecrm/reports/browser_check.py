"""Open a report in headless Chromium and say what a reader would see: console errors, the
headline figures as shown, and for each chart whether it was drawn, where its text sits and
whether a legend covers a plot. Used by the tests; playwright drives Debian's Chromium and
downloads no browser of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's background services try to reach Google and are refused here (no network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

CHART_STATE_JS = """
() => [...document.querySelectorAll('figure.chart')].map(figure => {
    const svg = figure.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : null;
    return {
        id: figure.id,
        width: box ? box.width : 0,
        height: box ? box.height : 0,
        marks: svg ? svg.querySelectorAll('path, rect, line, polyline, use').length : 0,
        top: figure.getBoundingClientRect().top + window.scrollY,
        texts: svg ? [...svg.querySelectorAll('text')].map(text => {
            const r = text.getBoundingClientRect();
            return {text: text.textContent.trim(), left: r.left, right: r.right, top: r.top,
                    bottom: r.bottom};
        }).filter(t => t.text !== '') : [],
        // legend text drawn over a plotting area (matplotlib's SVG: each axes' group opens
        // with its background patch; legends are groups of their own)
        legend_texts_over_plots: svg ? (() => {
            const plots = [...svg.querySelectorAll('g[id^="axes_"] > g[id^="patch_"]:first-child')]
                .map(patch => patch.getBoundingClientRect());
            return [...svg.querySelectorAll('g[id^="legend_"] text')].filter(text => {
                const r = text.getBoundingClientRect();
                return plots.some(p => r.left < p.right && r.right > p.left
                    && r.top < p.bottom && r.bottom > p.top);
            }).map(text => text.textContent.trim());
        })() : [],
    };
})
"""

# Each headline card: its data attributes (the table's unrounded values) and the text a reader
# sees, and where the block sits on the page.
HEADLINES_JS = """
() => {
    const block = document.querySelector('#headlines');
    const text = (card, cls) => {
        const node = card.querySelector('.' + cls);
        return node ? node.textContent.trim() : null;
    };
    return {
        top: block ? block.getBoundingClientRect().top + window.scrollY : null,
        cards: [...document.querySelectorAll('#headlines .kpi')].map(card => ({
            kpi: card.dataset.kpi,
            unit: card.dataset.unit,
            current: card.dataset.current,
            previous: card.dataset.previous,
            change: card.dataset.change,
            direction: card.dataset.direction,
            name_text: text(card, 'name'),
            current_text: text(card, 'current'),
            previous_text: text(card, 'previous'),
            change_text: text(card, 'change'),
        })),
    };
}
"""


@dataclass
class PageCheck:
    console_errors: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)  # anything but the file itself
    charts: list[dict] = field(default_factory=list)
    headlines: list[dict] = field(default_factory=list)  # one per card, in page order
    headlines_top: float | None = None  # where the headline block starts on the page


def overlapping_texts(chart: dict, tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of a chart's text elements (labels, ticks, legend) whose drawn boxes overlap by
    more than `tolerance` pixels both ways: text a reader cannot read."""
    texts = chart.get("texts", [])
    pairs = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            width = min(a["right"], b["right"]) - max(a["left"], b["left"])
            height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if width > tolerance and height > tolerance:
                pairs.append((a["text"], b["text"]))
    return pairs


def check_page(path: Path, screenshot: Path | None = None) -> PageCheck:
    from playwright.sync_api import sync_playwright  # a test-time dependency (the dev extra)

    result = PageCheck()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "console",
                lambda message: (
                    message.type == "error" and result.console_errors.append(message.text)
                ),
            )
            page.on("pageerror", lambda error: result.console_errors.append(str(error)))
            page.on(
                "request",
                lambda request: (
                    request.url.startswith(("file:", "data:"))
                    or result.network_requests.append(request.url)
                ),
            )
            page.goto(path.resolve().as_uri(), wait_until="load")
            result.charts = page.evaluate(CHART_STATE_JS)
            headlines = page.evaluate(HEADLINES_JS)
            result.headlines = headlines["cards"]
            result.headlines_top = headlines["top"]
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return result
