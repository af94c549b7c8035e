"""Great Expectations Data Docs under the data directory (`<data dir>/gx/.../local_site`).

Validation runs in an ephemeral GX context (its pandas batches need no configuration); the
results of every file's chunks are then stored in a file-backed context here and its Data Docs
site is rebuilt for just those results. A result keeps the first few failing rows of each rule:
the complete lists live in `quarantine.<export>`, and a page listing 50,000 rows helps nobody.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from lifecrm import settings

SITE = "local_site"
ROWS_KEPT_PER_RULE = 20
LISTS = (
    "unexpected_list",
    "unexpected_index_list",
    "partial_unexpected_list",
    "partial_unexpected_index_list",
    "partial_unexpected_counts",
)


@dataclass
class DataDocs:
    """Collects one validation's chunk results, then publishes them as Data Docs pages: `pages`
    holds, after `publish`, the URL of each file's page (its first chunk's, if it had several)."""

    suite: gx.ExpectationSuite
    run_time: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))
    pages: dict[str, str] = field(default_factory=dict)  # page label -> its first page
    _keys: list[ValidationResultIdentifier] = field(default_factory=list)
    _first_page: dict[str, ValidationResultIdentifier] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.context = gx.get_context(mode="file", project_root_dir=str(settings.data_dir()))
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.context.suites.add_or_update(self.suite)

    def add(self, source_file: str, chunk: int, chunks: int, result) -> None:
        for item in result.results:
            for name in LISTS:
                if isinstance(item.result.get(name), list):
                    item.result[name] = item.result[name][:ROWS_KEPT_PER_RULE]
            item.result.pop("unexpected_index_query", None)
        label = page_label(source_file)
        run_name = label if chunks == 1 else f"{label} (chunk {chunk + 1} of {chunks})"
        run_id = RunIdentifier(run_name=run_name, run_time=self.run_time)
        result.meta.update(run_id=run_id, validation_time=self.run_time, source_file=source_file)
        key = ValidationResultIdentifier(
            ExpectationSuiteIdentifier(name=self.suite.name), run_id, label
        )
        self.context.validation_results_store.set(key, result)
        self._keys.append(key)
        self._first_page.setdefault(label, key)

    def publish(self) -> str:
        """Render the pages of this validation and the site's index; return the index URL."""
        suite_page = ExpectationSuiteIdentifier(name=self.suite.name)
        sites = self.context.build_data_docs(
            site_names=[SITE], resource_identifiers=[suite_page, *self._keys]
        )
        self.pages = {label: self._url(key) for label, key in self._first_page.items()}
        return sites[SITE]

    def _url(self, key: ValidationResultIdentifier) -> str:
        return self.context.get_docs_sites_urls(resource_identifier=key, site_name=SITE)[0][
            "site_url"
        ]


def page_label(source_file: str) -> str:
    """`<batch date> <file name>`: the store keys pages by name, and a path holds slashes."""
    path = Path(source_file)
    return f"{path.parent.name} {path.name}"


def index_path() -> Path:
    return settings.data_dir() / "gx" / "uncommitted" / "data_docs" / SITE / "index.html"
