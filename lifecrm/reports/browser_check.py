"""Open a report in headless Chromium and say what a reader would see: console errors, and for
each chart whether it was drawn. Used by the tests; playwright drives Debian's Chromium and
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
    };
})
"""


@dataclass
class PageCheck:
    console_errors: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)  # anything but the file itself
    charts: list[dict] = field(default_factory=list)


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
            if screenshot is not None:
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return result
