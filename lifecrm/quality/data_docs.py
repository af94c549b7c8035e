"""Data Docs: a page per validated file, rendered from Great Expectations' validation results.

The pages live under `<data dir>/gx/uncommitted/data_docs/local_site/` (`index.html`, and
`pages/<suite>/<batch date> <file>.html` with the masked result beside it as `.json`). Each is one
self-contained HTML file, its styles inline and no script: it opens offline from the disk, and
nothing is fetched (GX's own site builder loads Bootstrap, jQuery and bootstrap-table from CDNs,
and its index page is drawn by those scripts, so it shows nothing offline).

A result keeps the first few failing rows of each rule (the complete lists live in
`quarantine.<export>`; a page of 50,000 rows helps nobody), and the values of identifying
columns (the columns the `pii` model isolates: national IDs, names, phones, e-mails, addresses,
the vendor's hash of the national ID) are masked before anything is written, `A12*******`: a
quality page names the file, the line and the rule, which is what fixing it takes.
"""

from __future__ import annotations

import datetime
import html
import json
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import great_expectations as gx
import yaml

from lifecrm import settings

SITE = "local_site"
ROWS_KEPT_PER_RULE = 20
ROWS_IN_SUMMARY = 5
LISTS = (
    "unexpected_list",
    "unexpected_index_list",
    "partial_unexpected_list",
    "partial_unexpected_index_list",
    "partial_unexpected_counts",
)
PII_MODEL = settings.PROJECT_ROOT / "models" / "pii" / "_pii__models.yml"
# The keys the pii table is joined by: the pseudonymous key and the customer number, which the
# other layers hold too; a page needs the customer number to find the row.
PII_KEYS = {"customer_key", "customer_id"}
# What GX's own site builder wrote before: pages and stored results with the values unmasked.
LEGACY = ("validations", "expectations", "static")


@cache
def identifying_columns() -> frozenset[str]:
    """The text columns of the `pii` model (its keys aside): what the warehouse isolates."""
    spec = yaml.safe_load(PII_MODEL.read_text(encoding="utf-8"))
    return frozenset(
        column["name"]
        for model in spec["models"]
        for column in model.get("columns", [])
        if column.get("data_type", "string") == "string" and column["name"] not in PII_KEYS
    )


def mask(value: object) -> object:
    """`A123456789` -> `A12*******`: a third of the characters (at most three) kept, the rest
    starred, so the length shows and the person does not. Non-text values are left as they are."""
    if not isinstance(value, str) or not value:
        return value
    kept = min(3, len(value) // 3)
    return value[:kept] + "*" * (len(value) - kept)


def _masked(values: list, identifying: bool) -> list:
    masked = []
    for value in values:
        if isinstance(value, dict):
            value = {
                key: mask(item)
                if key in identifying_columns() or (key == "value" and identifying)
                else item
                for key, item in value.items()
            }
        elif identifying:
            value = mask(value)
        masked.append(value)
    return masked


def _columns(kwargs: dict) -> list[str]:
    return [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)] + list(
        kwargs.get("column_list") or []
    )


def _rule(kwargs: dict, expectation: str) -> str:
    columns = _columns(kwargs)
    return f"{expectation}({','.join(columns)})" if columns else expectation


@dataclass
class Page:
    """One validated file's results: what a page and a summary show."""

    suite: str
    label: str
    source_file: str
    run_time: str
    rules: list[dict] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(rule["success"] for rule in self.rules)

    def merge(self, result) -> None:
        for index, item in enumerate(result.results):
            config = item.expectation_config
            found = item.result or {}
            values = found.get("partial_unexpected_list") or []
            rows = found.get("partial_unexpected_index_list") or [{"value": v} for v in values]
            if index == len(self.rules):
                self.rules.append(
                    {
                        "rule": _rule(config.kwargs, config.type),
                        "level": (config.meta or {}).get("level", "row"),
                        "success": True,
                        "rows_checked": 0,
                        "failing_rows": 0,
                        "examples": [],
                    }
                )
            rule = self.rules[index]
            rule["success"] = rule["success"] and bool(item.success)
            rule["rows_checked"] += int(found.get("element_count") or 0)
            rule["failing_rows"] += int(found.get("unexpected_count") or 0)
            if found.get("observed_value") is not None and not rows and not item.success:
                rows = [{"observed": found["observed_value"]}]
            room = ROWS_KEPT_PER_RULE - len(rule["examples"])
            rule["examples"].extend(rows[: max(room, 0)])


@dataclass
class DataDocs:
    """Collects one validation's results, a file at a time, then writes a page per file and
    the index: `pages` holds, after `publish`, the path of each file's page."""

    suite: gx.ExpectationSuite
    run_time: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))
    pages: dict[str, str] = field(default_factory=dict)  # page label -> its page
    _pages: dict[str, Page] = field(default_factory=dict)

    def add(self, source_file: str, result) -> None:
        """Keep a file's result, trimmed and with identifying values masked."""
        for item in result.results:
            identifying = bool(
                set(_columns(item.expectation_config.kwargs)) & identifying_columns()
            )
            for name in LISTS:
                if isinstance(item.result.get(name), list):
                    kept = item.result[name][:ROWS_KEPT_PER_RULE]
                    item.result[name] = _masked(kept, identifying)
            if identifying and isinstance(item.result.get("observed_value"), str):
                item.result["observed_value"] = mask(item.result["observed_value"])
            item.result.pop("unexpected_index_query", None)
        label = page_label(source_file)
        page = self._pages.setdefault(
            label,
            Page(self.suite.name, label, source_file, self.run_time.isoformat(timespec="seconds")),
        )
        page.merge(result)

    def publish(self) -> str:
        """Write this validation's pages and the site's index; return the index's path."""
        site = site_dir()
        for legacy in LEGACY:
            shutil.rmtree(site / legacy, ignore_errors=True)
        shutil.rmtree(site.parent.parent / "validations", ignore_errors=True)
        for label, page in self._pages.items():
            path = page_path(page.suite, label)
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path.with_suffix(".json"), json.dumps(page.__dict__, default=str, indent=1))
            _write(path, render_page(page))
            self.pages[label] = str(path)
        _write(index_path(), render_index())
        return str(index_path())


def page_label(source_file: str) -> str:
    """`<batch date> <file name>`: a path holds slashes."""
    path = Path(source_file)
    return f"{path.parent.name} {path.name}"


def site_dir() -> Path:
    return settings.data_dir() / "gx" / "uncommitted" / "data_docs" / SITE


def index_path() -> Path:
    return site_dir() / "index.html"


def page_path(suite: str, label: str) -> Path:
    return site_dir() / "pages" / suite / f"{label}.html"


def _write(path: Path, text: str) -> None:
    """Write a file whole: a reader sees the old page or the new one."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def load_page(path: Path) -> Page:
    return Page(**json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8")))


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#1d2330}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .4rem}
p.meta{color:#5b6475;margin:.1rem 0}a{color:#1c5fb8}
table{border-collapse:collapse;margin:.6rem 0;width:100%}
th,td{border:1px solid #d6dae1;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17803d;font-weight:600}.bad{color:#b42318;font-weight:600}
code{font:12px ui-monospace,monospace;background:#f6f7f9;padding:0 .2rem}
ul.ex{margin:0;padding-left:1.1rem}
"""


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _status(success: bool) -> str:
    return '<span class="ok">passed</span>' if success else '<span class="bad">failed</span>'


def _example(row: dict) -> str:
    """`line 5: national_id A12*******`: the row's source line first, then its values."""
    values = ", ".join(
        f"{key} {value}"
        for key, value in row.items()
        if key not in ("_source_file", "_source_line")
    )
    return f"line {row['_source_line']}: {values}" if "_source_line" in row else values


def render_page(page: Page) -> str:
    rows = []
    for rule in page.rules:
        examples = "".join(
            f"<li><code>{html.escape(_example(row))}</code></li>" for row in rule["examples"]
        )
        share = rule["failing_rows"] / rule["rows_checked"] if rule["rows_checked"] else 0
        rows.append(
            f"<tr><td>{_status(rule['success'])}</td><td><code>{html.escape(rule['rule'])}"
            f"</code></td><td>{html.escape(rule['level'])}</td>"
            f"<td class=n>{rule['rows_checked']:,}</td><td class=n>{rule['failing_rows']:,}</td>"
            f"<td class=n>{share:.2%}</td><td><ul class=ex>{examples}</ul></td></tr>"
        )
    failed = sum(not rule["success"] for rule in page.rules)
    body = (
        f'<p><a href="../../index.html">All validations</a></p>'
        f"<h1>{html.escape(page.suite)}: {html.escape(page.label)}</h1>"
        f"<p class=meta>{_status(page.success)}: {failed} of {len(page.rules)} rules broken; "
        f"validated {html.escape(page.run_time)}: "
        f"<code>{html.escape(page.source_file)}</code></p>"
        "<p class=meta>Failing rows: the first "
        f"{ROWS_KEPT_PER_RULE} of each rule by source line (all of them are in "
        f"<code>quarantine.{html.escape(page.suite.removeprefix('raw_'))}</code>); values of "
        "identifying columns are masked. A duplicated key counts every copy here; the check "
        "quarantines the later ones.</p>"
        "<table><tr><th>status</th><th>rule</th><th>level</th><th>rows checked</th>"
        "<th>failing rows</th><th>share</th><th>first failing rows</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return _document(f"{page.suite}: {page.label}", body)


def render_index() -> str:
    """Every file's latest page, newest batch first, suite by suite."""
    pages = sorted(
        (load_page(path) for path in site_dir().glob("pages/*/*.json")),
        key=lambda p: (p.label.split(" ")[0], p.suite, p.label),
        reverse=True,
    )
    rows = "".join(
        f"<tr><td>{_status(p.success)}</td><td>{html.escape(p.suite)}</td>"
        f'<td><a href="pages/{html.escape(p.suite)}/{html.escape(p.label)}.html">'
        f"{html.escape(p.label)}</a></td>"
        f"<td class=n>{sum(not r['success'] for r in p.rules)}</td>"
        f"<td class=n>{max((r['rows_checked'] for r in p.rules), default=0):,}</td>"
        f"<td>{html.escape(p.run_time)}</td></tr>"
        for p in pages
    )
    body = (
        "<h1>lifecrm: data quality of the landed files</h1>"
        "<p class=meta>Great Expectations' results, a page per validated file (its latest "
        "validation). Identifying values are masked.</p>"
        "<table><tr><th>status</th><th>suite</th><th>file</th><th>rules broken</th>"
        "<th>rows</th><th>validated</th></tr>" + rows + "</table>"
    )
    return _document("lifecrm data quality", body)


def page_markdown(path: str | Path) -> str:
    """A page's summary in Markdown, for the Dagster UI (which renders Markdown metadata but
    cannot open a file on the disk): the rules broken, their counts and a few masked rows."""
    page = load_page(Path(path))
    failed = [rule for rule in page.rules if not rule["success"]]
    lines = [
        f"**{page.suite}: {page.label}**: {len(failed)} of {len(page.rules)} rules broken "
        f"(validated {page.run_time}).",
        "",
    ]
    if failed:
        lines += ["| rule | failing rows | of rows | first failing rows |", "|---|---:|---:|---|"]
        for rule in failed:
            examples = "; ".join(_example(row) for row in rule["examples"][:ROWS_IN_SUMMARY])
            examples = examples.replace("|", "\\|")
            lines.append(
                f"| `{rule['rule']}` | {rule['failing_rows']:,} | {rule['rows_checked']:,} "
                f"| {examples} |"
            )
        lines.append("")
    lines.append(f"The full page (offline HTML): `{path}`")
    return "\n".join(lines)
