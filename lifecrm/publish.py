"""Build into a working file, publish by an atomic swap.

Every run writes its own working copy of the warehouse, `<data>/warehouse/work/<run_id>.duckdb`,
started from the published file (or empty). Only a run that succeeded with every blocking check
passed is published: its working file is checkpointed and closed (no `.wal` left), the tables
of every layer a BI tool or a lake reads (`PARQUET_SCHEMAS`) are written as Parquet, it is
fsynced, and `os.replace` puts
it onto `<data>/warehouse/lifecrm.duckdb`. A reader that holds the published file open keeps
the version it opened (the old inode); a reader that opens it afterwards gets the new one; no
reader ever sees a half-built warehouse. A failed or killed run leaves the published file as it
was; its working file stays for inspection until the next run starts and removes it.

The process working on a run holds an advisory lock on `work/<run_id>.lock` for as long as it
lives, so a run starting later can tell a working file in use from one left behind by a run that
failed or was killed (whose lock the operating system released with the process).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lifecrm import settings
from lifecrm.warehouse_file import create_if_missing, duckdb_limits

# The published layers that BI tools and lakes read, also as Parquet files. Never `pii` (direct
# identifiers stay in the one DuckDB schema that can be granted apart), nor the loading layers
# (`raw`, `quarantine`, `staging`, `intermediate`, `snapshots`), which are the pipeline's own.
PARQUET_SCHEMAS = ("marts", "features", "ml", "strategic", "tactical")
# Column types a DuckDB 1.1 reader cannot decode, though a 2.x writer may create them.
UNREADABLE_BY_OLD_READERS = ("TIMESTAMP_NS WITH TIME ZONE", "TIMESTAMPTZ_NS", "TIME_NS", "VARIANT")

_held_locks: dict[str, int] = {}  # run id -> open file descriptor holding its lock


class PublishError(RuntimeError):
    """The working warehouse could not be published; the published one is unchanged."""


def work_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "warehouse" / "work"


def working_path(run_id: str, data_dir: Path | None = None) -> Path:
    return work_dir(data_dir) / f"{run_id}.duckdb"


def parquet_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or settings.data_dir()) / "warehouse" / "parquet"


def _base_path(working: Path) -> Path:
    return working.with_suffix(".base.json")


def _identity(path: Path) -> list[int] | None:
    """Which published version a file is: a publish swaps in another inode."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return [stat.st_ino, stat.st_mtime_ns, stat.st_size]


def _hold_lock(run_id: str, folder: Path) -> None:
    if run_id in _held_locks:
        return
    fd = os.open(folder / f"{run_id}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _held_locks[run_id] = fd


def release(run_id: str, data_dir: Path | None = None) -> None:
    """Let go of a run's lock and remove its lock file (its working file is gone or stale)."""
    fd = _held_locks.pop(run_id, None)
    if fd is not None:
        (work_dir(data_dir) / f"{run_id}.lock").unlink(missing_ok=True)
        os.close(fd)


def _in_use(lock: Path) -> bool:
    try:
        fd = os.open(lock, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def unheld_runs(data_dir: Path | None = None) -> list[str]:
    """Runs with a working copy that no live process holds, oldest first."""
    folder = work_dir(data_dir)
    if not folder.is_dir():
        return []
    copies = sorted(folder.glob("*.duckdb"), key=lambda p: p.stat().st_mtime)
    return [
        p.stem
        for p in copies
        if p.stem not in _held_locks and not _in_use(folder / f"{p.stem}.lock")
    ]


def remove_stale(data_dir: Path | None = None, keep: str | None = None) -> list[Path]:
    """Delete the working files of runs no live process holds (failed or killed runs)."""
    folder = work_dir(data_dir)
    removed = []
    if not folder.is_dir():
        return removed
    runs = {p.name.split(".", 1)[0] for p in folder.iterdir()}
    for run_id in sorted(runs - {keep}):
        if run_id in _held_locks or _in_use(folder / f"{run_id}.lock"):
            continue
        for path in folder.glob(f"{run_id}.*"):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def copy_published(target: Path, published: Path | None = None) -> list[int] | None:
    """Copy the published warehouse (or create an empty one) to `target`, atomically; returns
    the published version copied. `lifecrm validate` starts its scratch copy the same way."""
    published = published or settings.warehouse_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.copying")
    scratch.unlink(missing_ok=True)
    base = None
    try:
        with published.open("rb") as source:  # one inode, even if a publish swaps the path
            base = _identity_of_open(source)
            with scratch.open("wb") as sink:
                shutil.copyfileobj(source, sink, 16 * 1024 * 1024)
        os.replace(scratch, target)
    except FileNotFoundError:
        scratch.unlink(missing_ok=True)
        create_if_missing(target)
    return base


def _identity_of_open(handle) -> list[int]:
    stat = os.fstat(handle.fileno())
    return [stat.st_ino, stat.st_mtime_ns, stat.st_size]


def ensure_working(run_id: str, data_dir: Path | None = None) -> Path:
    """The run's working warehouse, started from the published one the first time it is asked
    for; working files left by failed or killed runs are removed first."""
    working = working_path(run_id, data_dir)
    folder = working.parent
    folder.mkdir(parents=True, exist_ok=True)
    _hold_lock(run_id, folder)
    if working.exists():
        return working
    remove_stale(data_dir, keep=run_id)
    published = (data_dir or settings.data_dir()) / "warehouse" / settings.WAREHOUSE_FILE
    base = copy_published(working, published)
    _base_path(working).write_text(json.dumps({"published": base}))
    return working


@dataclass
class Published:
    published: bool
    reason: str
    path: Path | None = None
    seconds: float = 0.0
    parquet: list[Path] = field(default_factory=list)
    elsewhere: bool = False  # nothing to do here: another process published (or dropped) it


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _old_reader_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name || '.' || column_name, data_type "
        "from information_schema.columns"
    ).fetchall()
    return [
        f"{column} is {kind}"
        for column, kind in rows
        if any(bad in kind.upper() for bad in UNREADABLE_BY_OLD_READERS)
    ]


def _export_parquet(con: duckdb.DuckDBPyConnection, staging: Path) -> list[tuple[Path, str]]:
    """Write each table of `PARQUET_SCHEMAS` into `staging/<schema>/<table>.parquet`."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ? and table_type = 'BASE TABLE' order by 1, 2",
        [list(PARQUET_SCHEMAS)],
    ).fetchall()
    written = []
    for schema, table in tables:
        target = staging / schema / f"{table}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f'copy "{schema}"."{table}" to \'{target}\' (format parquet)')
        written.append((target, f"{schema}/{table}.parquet"))
    return written


def _swap_parquet(
    written: list[tuple[Path, str]], staging: Path, data_dir: Path | None
) -> list[Path]:
    """Move each new Parquet file onto its published name (each swap atomic); remove the files
    of tables that no longer exist."""
    final = parquet_dir(data_dir)
    published = []
    for source, relative in written:
        target = final / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        _fsync(source)
        os.replace(source, target)
        published.append(target)
    for folder in {p.parent for p in published}:
        _fsync(folder)
    keep = set(published)
    for old in final.glob("*/*.parquet"):
        if old not in keep:
            old.unlink()
    shutil.rmtree(staging, ignore_errors=True)
    return published


def publish(run_id: str, data_dir: Path | None = None, wait_seconds: float = 0) -> Published:
    """Publish a run's working warehouse onto the published path (the caller decided the run
    deserves it). Refuses, leaving the published file as it was, when another run published a
    newer version since this run started from the published one, or when another process still
    holds the run (after `wait_seconds`)."""
    started = time.monotonic()
    working = working_path(run_id, data_dir)
    published = (data_dir or settings.data_dir()) / "warehouse" / settings.WAREHOUSE_FILE
    if not working.exists():
        return Published(False, f"run {run_id} has no working warehouse at {working} (already "
                         "published, or removed as stale)", elsewhere=True)  # fmt: skip
    while True:
        try:
            _hold_lock(run_id, working.parent)
            break
        except BlockingIOError:
            if time.monotonic() - started > wait_seconds:
                return Published(False, f"another process still holds run {run_id}")
            time.sleep(0.5)
    if not working.exists():  # the process that held it published it meanwhile
        release(run_id, data_dir)
        return Published(False, f"run {run_id} was published by the process that ran it",
                         elsewhere=True)  # fmt: skip
    base_file = _base_path(working)
    base = json.loads(base_file.read_text())["published"] if base_file.exists() else None
    if _identity(published) != base:
        return Published(
            False,
            f"another run published {published} after run {run_id} started from it; this run's "
            "result was not published (the next run loads whatever it lacked)",
        )
    # the file keeps the storage version it was created with (STORAGE_COMPATIBILITY_VERSION)
    con = duckdb.connect(str(working), config=duckdb_limits())
    staging = parquet_dir(data_dir) / f".{run_id}"
    try:
        problems = _old_reader_problems(con)
        if problems:
            raise PublishError(
                "the warehouse holds column types DuckDB 1.1 readers cannot decode: "
                + "; ".join(problems[:10])
                + ". Cast them (e.g. to TIMESTAMP or TIMESTAMPTZ) in the model that makes them."
            )
        written = _export_parquet(con, staging)
        con.execute("checkpoint")
    finally:
        con.close()
    wal = working.with_name(working.name + ".wal")
    if wal.exists():
        raise PublishError(
            f"{wal} is still there after the checkpoint and close: refusing to publish a file "
            "whose last writes are outside it. Check that no other process has the working "
            "file open, then run again."
        )
    _fsync(working)
    os.replace(working, published)
    _fsync(published.parent)
    base_file.unlink(missing_ok=True)
    parquet = _swap_parquet(written, staging, data_dir)
    release(run_id, data_dir)
    return Published(True, "published", published, time.monotonic() - started, parquet)
