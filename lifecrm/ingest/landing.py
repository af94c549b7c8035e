"""The landing folder: dated batch folders, each with CSV exports and a manifest.

A batch folder is named by its batch date (`2026-01-01`). A later delivery of the same day, the
source re-sending a file lifecrm refused, is a folder of its own, `2026-01-01.2` (then `.3`, ...),
with the corrected files and a manifest of them (docs/export-contract.md, "Corrections").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

MANIFEST = "manifest.json"
BATCH_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.([2-9]|[1-9]\d+))?")


class LandingError(Exception):
    """A batch in the landing folder is incomplete or does not match its manifest."""


@dataclass(frozen=True)
class ExportFile:
    path: Path
    batch_date: date
    rows: int
    sha256: str
    kind: str = "full"  # the batch's kind in its manifest: full extract or daily delta
    delivery: int = 1  # 1 for the day's batch, 2, 3, ... for a later delivery of the same day
    problem: str | None = None  # why the file cannot be read as delivered (then it is refused)

    @property
    def name(self) -> str:
        """The file as the landing folder names it: `<batch folder>/<export>.csv`."""
        return f"{self.path.parent.name}/{self.path.name}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_batch_name(name: str) -> tuple[date, int] | None:
    """A batch folder's date and delivery number (`2026-01-01.2` -> 2026-01-01, 2); None for a
    name that is no batch."""
    match = BATCH_NAME.fullmatch(name)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1)), int(match.group(2) or 1)
    except ValueError:
        return None


def batch_dirs(landing_dir: Path) -> list[Path]:
    """Batch folders (`YYYY-MM-DD`, and `YYYY-MM-DD.N` for a later delivery of that day) in
    date order, each day's deliveries in theirs."""
    if not landing_dir.is_dir():
        raise LandingError(f"landing folder {landing_dir} does not exist: run `lifecrm generate`")
    dirs = [(parse_batch_name(c.name), c) for c in landing_dir.iterdir() if c.is_dir()]
    return [path for order, path in sorted((o, p) for o, p in dirs if o is not None)]


def read_manifest(batch_dir: Path) -> dict[str, dict]:
    """The manifest's file entries by file name (each with the batch's `kind`); a batch without
    one is refused."""
    path = batch_dir / MANIFEST
    if not path.is_file():
        raise LandingError(f"batch {batch_dir} has no {MANIFEST}: refusing an incomplete batch")
    try:
        manifest = json.loads(path.read_text())
        kind = manifest.get("kind", "full")
        return {entry["file"]: {**entry, "kind": kind} for entry in manifest["files"]}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise LandingError(f"{path}: not a valid manifest ({exc})") from exc


def export_files(landing_dir: Path, export: str) -> list[ExportFile]:
    """Every delivered file of one export, oldest batch first, checked against its manifest: a
    file missing or differing from its manifest entry carries the `problem` (the loader refuses
    it and records why)."""
    files = []
    for batch_dir in batch_dirs(landing_dir):
        entries = read_manifest(batch_dir)
        entry = entries.get(f"{export}.csv")
        if entry is None:
            continue
        batch_date, delivery = parse_batch_name(batch_dir.name)
        path = batch_dir / entry["file"]
        problem, actual = None, str(entry["sha256"])
        if not path.is_file():
            problem = f"listed in {batch_dir.name}/{MANIFEST} but missing"
        else:
            actual = sha256_of(path)
            if actual != entry["sha256"]:
                problem = f"sha256 {actual} does not match the manifest's {entry['sha256']}"
        files.append(
            ExportFile(
                path, batch_date, int(entry["rows"]), actual, entry["kind"], delivery, problem
            )
        )
    if not files:
        raise LandingError(f"no batch under {landing_dir} delivers {export}.csv")
    return files
