"""The landing folder: dated batch folders, each with CSV exports and a manifest.

A batch folder is named by its batch date (`2026-01-01`). A later delivery of the same day, the
source re-sending a file lifecrm refused, is a folder of its own, `2026-01-01.2` (then `.3`, ...),
with the corrected files and a manifest of them (docs/export-contract.md, "Corrections").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lifecrm.ingest.file_scan import FileScan, scan

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
    scan: FileScan | None = field(default=None, compare=False, repr=False)  # of its bytes

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
    date order, each day's deliveries in theirs. A folder with any other name is no batch."""
    if not landing_dir.is_dir():
        raise LandingError(f"landing folder {landing_dir} does not exist: run `lifecrm generate`")
    dirs = [(parse_batch_name(c.name), c) for c in landing_dir.iterdir() if c.is_dir()]
    return [path for order, path in sorted((o, p) for o, p in dirs if o is not None)]


def _untrusted_path(path: Path, folder: Path) -> str | None:
    """Why a delivered path may not be read (the landing folder is a trust boundary): a symbolic
    link, or anything that resolves outside its folder. None when it is a plain entry of it."""
    if path.is_symlink():
        return f"a symbolic link (to {path.readlink()}): a delivery is a regular file in its folder"
    if path.resolve().parent != folder.resolve():
        return f"resolves outside its folder (to {path.resolve()})"
    return None


def _entry_problem(entry: object) -> str | None:
    """Why a manifest entry breaks the contract, or None."""
    if not isinstance(entry, dict):
        return f"an entry {entry!r} is not an object"
    name = entry.get("file")
    if not isinstance(name, str) or not name.endswith(".csv"):
        return f"an entry's file {name!r} is not a CSV file name"
    if "/" in name or "\\" in name or name.startswith(".") or Path(name).name != name:
        return f"the entry {name!r} is not a plain file name (no folders, '..' or absolute paths)"
    for count in ("rows", "bytes"):
        if not isinstance(entry.get(count), int) or entry[count] < 0:
            return f"{name}'s {count} {entry.get(count)!r} is not a count"
    sha = entry.get("sha256")
    if not isinstance(sha, str) or len(sha) != 64 or not all(c in HEX for c in sha):
        return f"{name}'s sha256 {sha!r} is not a sha256"
    return None


HEX = set("0123456789abcdef")


def read_manifest(batch_dir: Path) -> dict[str, dict]:
    """The manifest's file entries by file name (each with the batch's `kind`), checked against
    the contract: a batch without a valid one is refused, naming the batch and the rule."""
    path = batch_dir / MANIFEST
    where = f"{batch_dir.name}/{MANIFEST}"
    if not path.is_file():
        raise LandingError(f"batch {batch_dir} has no {MANIFEST}: refusing an incomplete batch")
    untrusted = _untrusted_path(batch_dir, batch_dir.parent) or _untrusted_path(path, batch_dir)
    if untrusted:
        raise LandingError(f"{where}: the batch is {untrusted}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        kind, listed = manifest.get("kind", "full"), manifest["files"]
        stated = manifest.get("batch_date")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LandingError(f"{where}: not a valid manifest ({exc})") from exc
    day = parse_batch_name(batch_dir.name)
    if stated is not None and day is not None and stated != day[0].isoformat():
        raise LandingError(f"{where}: its batch_date {stated} is not the folder's {day[0]}")
    if kind not in ("full", "delta") or not isinstance(listed, list):
        raise LandingError(f"{where}: kind must be full or delta and files a list")
    entries: dict[str, dict] = {}
    for entry in listed:
        problem = _entry_problem(entry)
        if problem is None and entry["file"] in entries:
            problem = f"{entry['file']} is listed twice"
        if problem:
            raise LandingError(f"{where}: {problem}")
        entries[entry["file"]] = {**entry, "kind": kind}
    return entries


def listed_files(batch_dir: Path) -> set[str]:
    """The file names a batch's manifest lists, read leniently (for sensors and warnings, which
    must not fail on a bad manifest: a run refuses it, naming the rule); empty when unreadable."""
    try:
        files = json.loads((batch_dir / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {entry["file"] for entry in files if isinstance(entry, dict) and "file" in entry}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def stray_entries(landing_dir: Path) -> list[str]:
    """Entries of the landing folder that are no batch folder (a name that is no date, a file):
    never read, only reported."""
    if not landing_dir.is_dir():
        return []
    return sorted(
        entry.name for entry in landing_dir.iterdir()
        if not entry.name.startswith(".")
        and not (entry.is_dir() and not entry.is_symlink() and parse_batch_name(entry.name))
    )  # fmt: skip


def unlisted_extras(batch_dir: Path, exports: tuple[str, ...]) -> list[str]:
    """Files in a batch folder that are neither its manifest, nor listed in it, nor an export of
    the contract (an unlisted export is refused by its own export's load): never read, only
    reported, so that nothing a source drops in a batch goes unnoticed."""
    if batch_dir.is_symlink():
        return []  # refused by every load; its contents are not ours to list
    known = listed_files(batch_dir) | {MANIFEST} | {f"{export}.csv" for export in exports}
    return sorted(
        path.name for path in batch_dir.iterdir()
        if path.name not in known and not path.name.startswith(".")
    )  # fmt: skip


def export_files(landing_dir: Path, export: str) -> list[ExportFile]:
    """Every delivered file of one export, oldest batch first, checked against its manifest: a
    file that cannot be read as delivered (missing, a symbolic link, not matching its manifest
    entry, present but unlisted, or in a batch whose manifest breaks the contract) carries the
    `problem`, and the loader refuses it and records why. Nothing outside a batch folder is read:
    an untrusted path is refused without opening it."""
    files = []
    name = f"{export}.csv"
    for batch_dir in batch_dirs(landing_dir):
        batch_date, delivery = parse_batch_name(batch_dir.name)
        path = batch_dir / name
        present = path.is_symlink() or path.exists()
        try:
            entry = read_manifest(batch_dir).get(name)
        except LandingError as exc:
            if not (batch_dir / MANIFEST).is_file() or not present:
                raise  # an incomplete batch: the run waits for it like the sensor does
            entry, problem = None, str(exc).removeprefix(f"{batch_dir.name}/")
        else:
            if entry is None and not present:
                continue  # the batch does not deliver this export
            problem = None if entry else f"in the batch folder but not listed in its {MANIFEST}"
        trusted = _untrusted_path(batch_dir, landing_dir) is None and (
            not present or _untrusted_path(path, batch_dir) is None
        )
        if problem is None and not trusted:
            problem = _untrusted_path(batch_dir, landing_dir) or _untrusted_path(path, batch_dir)
        actual = str(entry["sha256"]) if entry else ""
        scanned = None
        if trusted and path.is_file():
            # also of a refused file: a decision names its content
            scanned = scan(path)
            actual = scanned.sha256
        if problem is None and not path.is_file():
            problem = f"listed in {batch_dir.name}/{MANIFEST} but missing"
        elif problem is None and path.stat().st_size != entry["bytes"]:
            problem = f"{path.stat().st_size} bytes, the manifest says {entry['bytes']}"
        elif problem is None and actual != entry["sha256"]:
            problem = f"sha256 {actual} does not match the manifest's {entry['sha256']}"
        rows = int(entry["rows"]) if entry else 0
        kind = entry["kind"] if entry else "delta"
        files.append(ExportFile(path, batch_date, rows, actual, kind, delivery, problem, scanned))
    if not files:
        raise LandingError(f"no batch under {landing_dir} delivers {export}.csv")
    return files
