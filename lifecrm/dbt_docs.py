"""`lifecrm docs`: build dbt's documentation site (models, columns, tests, lineage, the catalog
of the warehouse's tables) under the data directory, and optionally serve it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lifecrm import settings
from lifecrm.dbt_cli import run_dbt


def docs_dir() -> Path:
    return settings.data_dir() / "dbt" / "docs"


def _dbt(*arguments: str, capture: bool = True) -> subprocess.CompletedProcess:
    return run_dbt(
        list(arguments), data_dir=settings.data_dir(), artefacts=docs_dir(), capture=capture
    )


def generate() -> Path:
    """Write the site (index.html, manifest.json, catalog.json); returns its index page."""
    if not settings.warehouse_path().exists():
        raise ValueError(f"no warehouse at {settings.warehouse_path()}: run `lifecrm run` first")
    done = _dbt("docs", "generate")
    if done.returncode != 0:
        raise ValueError(f"dbt docs generate failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return docs_dir() / "index.html"


def serve(port: int) -> int:
    return _dbt("docs", "serve", "--port", str(port), "--no-browser", capture=False).returncode
