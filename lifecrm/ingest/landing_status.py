"""What the landing folder holds against what the warehouse has made of it: the refused files,
what waits behind each, and the decisions made but not yet applied by a run. Read-only: it opens
the published warehouse (or, before anything is published, the newest working copy a failed run
kept) and never writes either; `lifecrm landing` prints it and records decisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lifecrm import publish, settings
from lifecrm.db import table_exists
from lifecrm.ingest import decisions
from lifecrm.ingest.landing import LandingError, batch_dirs, export_files
from lifecrm.warehouse_file import connect_read_only


@dataclass(frozen=True)
class Refusal:
    file: str  # `<batch folder>/<export>.csv`
    export: str
    sha256: str
    rows: int
    reason: str
    refused_at: str
    loaded_rows: int  # rows read into raw before it was refused (by its suite), else 0


@dataclass
class LandingStatus:
    source: Path | None  # the warehouse file read
    batches: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)  # open ones
    resolved: list[tuple] = field(default_factory=list)  # (file, status, by, at, note)
    waiting: dict[str, list[str]] = field(default_factory=dict)  # refused file -> later files
    pending: list[decisions.Decision] = field(default_factory=list)  # not applied yet


def warehouse_to_read() -> Path | None:
    """The published warehouse, or the newest working copy a run kept when none is published
    (a refusal in the very first extract fails its run: the copy is where it is recorded)."""
    if settings.warehouse_path().exists():
        return settings.warehouse_path()
    kept = sorted(publish.work_dir().glob("*.duckdb"), key=lambda p: p.stat().st_mtime)
    return kept[-1] if kept else None


def published_through() -> str | None:
    """The newest batch the published warehouse holds (None before the first publish)."""
    path = settings.warehouse_path()
    if not path.exists():
        return None
    con = connect_read_only(path, wait_seconds=30)
    try:
        if not table_exists(con, "raw", "load_manifest"):
            return None
        newest = con.execute("select max(batch_date) from raw.load_manifest").fetchall()[0][0]
        return newest.isoformat() if newest else None
    finally:
        con.close()


def _manifest(path: Path) -> list[tuple]:
    con = connect_read_only(path, wait_seconds=30)
    try:
        if not table_exists(con, "raw", "load_manifest"):
            return []
        return con.execute(
            "select source_file, export, sha256, rows_in_manifest, batch_failure, "
            "cast(loaded_at as varchar), rows_loaded, resolution, resolved_by, "
            "cast(resolved_at as varchar), resolution_note from raw.load_manifest "
            "order by batch_date, loaded_at"
        ).fetchall()
    finally:
        con.close()


def _name(source_file: str) -> str:
    path = Path(source_file)
    return f"{path.parent.name}/{path.name}"


def read() -> LandingStatus:
    landing = settings.landing_dir()
    status = LandingStatus(source=warehouse_to_read())
    status.batches = [d.name for d in batch_dirs(landing)]  # raises without a landing folder
    rows = _manifest(status.source) if status.source else []
    read_files = {(_name(r[0]), r[2]) for r in rows}
    for file, export, sha, n, failure, at, loaded, resolution, by, when, note in rows:
        if failure is not None and resolution is None:
            status.refusals.append(Refusal(_name(file), export, sha, n, failure, at, loaded))
        elif resolution is not None:
            status.resolved.append((_name(file), resolution, by, when, note))
    made = decisions.read_all()
    applied = {r[0] for r in status.resolved}
    status.pending = [d for d in made.values() if d.file not in applied]
    order = {name: index for index, name in enumerate(status.batches)}
    for refusal in status.refusals:
        after = order.get(refusal.file.split("/")[0], -1)
        try:
            delivered = export_files(landing, refusal.export)
        except LandingError:
            delivered = []
        status.waiting[refusal.file] = [
            f.name
            for f in delivered
            if order[f.path.parent.name] > after and (f.name, f.sha256) not in read_files
        ]
    return status


def refusal_of(file: str) -> Refusal:
    """The open refusal of `file` (`<batch folder>/<export>.csv`), or a clear error."""
    status = read()
    for refusal in status.refusals:
        if refusal.file == file:
            return refusal
    known = ", ".join(r.file for r in status.refusals) or "none"
    where = status.source or "no warehouse yet"
    raise ValueError(
        f"no open refusal of {file} in {where} (open refusals: {known}); "
        "`lifecrm landing status` lists them"
    )
