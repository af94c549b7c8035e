"""The landing folder: dated batch folders, each with CSV exports and a manifest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

MANIFEST = "manifest.json"


class LandingError(Exception):
    """A batch in the landing folder is incomplete or does not match its manifest."""


@dataclass(frozen=True)
class ExportFile:
    path: Path
    batch_date: date
    rows: int
    sha256: str
    kind: str = "full"  # the batch's kind in its manifest: full extract or daily delta


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def batch_dirs(landing_dir: Path) -> list[Path]:
    """Batch folders (named YYYY-MM-DD) in date order."""
    if not landing_dir.is_dir():
        raise LandingError(f"landing folder {landing_dir} does not exist: run `lifecrm generate`")
    dirs = []
    for child in landing_dir.iterdir():
        if not child.is_dir():
            continue
        try:
            date.fromisoformat(child.name)
        except ValueError:
            continue
        dirs.append(child)
    return sorted(dirs, key=lambda d: d.name)


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
    """Every delivered file of one export, oldest batch first, checked against its manifest."""
    files = []
    for batch_dir in batch_dirs(landing_dir):
        entries = read_manifest(batch_dir)
        entry = entries.get(f"{export}.csv")
        if entry is None:
            continue
        path = batch_dir / entry["file"]
        if not path.is_file():
            raise LandingError(f"{path}: listed in {batch_dir / MANIFEST} but missing")
        actual = sha256_of(path)
        if actual != entry["sha256"]:
            raise LandingError(
                f"{path}: sha256 {actual} does not match the manifest's {entry['sha256']}"
            )
        files.append(
            ExportFile(
                path, date.fromisoformat(batch_dir.name), int(entry["rows"]), actual, entry["kind"]
            )
        )
    if not files:
        raise LandingError(f"no batch under {landing_dir} delivers {export}.csv")
    return files
