"""Which landed batches are complete, which the published warehouse holds, and which one to run
next: plain functions the landing sensor and the daily schedule share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from lifecrm import settings
from lifecrm.db import scalar, table_exists
from lifecrm.ingest import decisions, landing_status
from lifecrm.ingest.landing import MANIFEST, batch_dirs, listed_files
from lifecrm.orchestration import BATCH_TAG, PUBLISHED_TAG, fail_dead_runs
from lifecrm.warehouse_file import connect_read_only

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def incomplete_reason(batch: Path) -> str | None:
    """Why a batch folder is not complete yet (None when it is): a batch is complete when its
    manifest parses and every file it lists is there with the size it gives. Checksums and row
    counts are the run's to check, with messages that name the file."""
    manifest = batch / MANIFEST
    if not manifest.is_file():
        return f"{batch.name}: no {MANIFEST} yet (the source writes it last)"
    try:
        files = json.loads(manifest.read_text())["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return f"{manifest}: not a valid manifest ({exc}); waiting for the source to rewrite it"
    for entry in files:
        path = batch / entry["file"]
        if not path.is_file():
            return f"{path}: listed in the manifest but not there yet"
        if "bytes" in entry and path.stat().st_size != int(entry["bytes"]):
            return f"{path}: {path.stat().st_size} bytes, the manifest says {entry['bytes']}"
    return None


def landed_batches(landing: Path | None = None) -> list[Path]:
    landing = landing or settings.landing_dir()
    return batch_dirs(landing) if landing.is_dir() else []


def published_through() -> str | None:
    """The newest batch the published warehouse holds (None before the first publish)."""
    return landing_status.published_through()


def _published() -> tuple[str | None, set[str], set[str]]:
    """The newest batch the published warehouse holds, the files it has read (as
    `<batch folder>/<file>`), and those whose refusal is resolved."""
    path = settings.warehouse_path()
    if not path.exists():
        return None, set(), set()
    con = connect_read_only(path, wait_seconds=30)
    try:
        if not table_exists(con, "raw", "load_manifest"):
            return None, set(), set()
        newest = scalar(con, "select max(batch_date) from raw.load_manifest")
        columns = {row[0] for row in con.execute("describe raw.load_manifest").fetchall()}
        rows = (
            con.execute(
                "select regexp_extract(source_file, '[^/]+/[^/]+$'), resolution is not null "
                "from raw.load_manifest"
            ).fetchall()
            if {"source_file", "resolution"} <= columns  # a manifest older than refusals has none
            else []
        )
        return (
            newest.isoformat() if newest else None,
            {name for name, _ in rows},
            {name for name, resolved in rows if resolved},
        )
    finally:
        con.close()


def correction_pending(through: str | None) -> Decision | None:
    """A run to request for a correction of days already published: a later delivery of a day
    (`<date>.2/`) not read yet, or a data team's decision (`lifecrm landing`) not applied yet."""
    if through is None:
        return None
    _, read, resolved = _published()
    for batch in landed_batches():
        if "." in batch.name and batch.name[:10] <= through and incomplete_reason(batch) is None:
            files = [f"{batch.name}/{entry}" for entry in listed_files(batch)]
            if not any(f in read for f in files):
                return Decision(
                    through, f"{batch.name} re-sends refused files", run_key=f"resent-{batch.name}"
                )
    for decision in decisions.read_all().values():
        if decision.file not in resolved:
            return Decision(
                through,
                f"{decision.by} decided to {decision.action} {decision.file}",
                run_key=f"decision-{decision.file}-{decision.sha256[:12]}-{decision.at}",
            )
    return None


def run_in_progress(instance: dg.DagsterInstance) -> dg.DagsterRun | None:
    runs = instance.get_runs(dg.RunsFilter(statuses=IN_PROGRESS), limit=1)
    return runs[0] if runs else None


@dataclass(frozen=True)
class Decision:
    batch: str | None  # the batch to run now, or None
    reason: str  # why (not)
    run_key: str | None = None  # the run's key: `batch-<batch>` unless a correction's


def next_batch(instance: dg.DagsterInstance, newest: bool = False) -> Decision:
    """The oldest complete batch the published warehouse lacks (the newest one, if `newest`),
    unless a run is in progress or that batch's last run failed."""
    fail_dead_runs(instance)  # a killed `lifecrm run` would otherwise look busy for good
    busy = run_in_progress(instance)
    if busy is not None:
        return Decision(None, f"run {busy.run_id} is in progress; the next batch waits for it")
    through = published_through()
    pending = [b for b in landed_batches() if through is None or b.name > through]
    if not pending:
        correction = correction_pending(through)
        if correction is not None:
            return correction
        return Decision(None, f"every landed batch is published (through {through})")
    ready = []
    for batch in pending:  # in date order: a batch waits for the ones before it
        reason = incomplete_reason(batch)
        if reason:
            if not ready:
                return Decision(None, f"waiting: {reason}")
            break
        ready.append(batch.name)
    batch = ready[-1] if newest else ready[0]
    last = instance.get_runs(dg.RunsFilter(tags={BATCH_TAG: batch}), limit=1)
    if last and (
        last[0].status != dg.DagsterRunStatus.SUCCESS or last[0].tags.get(PUBLISHED_TAG) == "no"
    ):
        return Decision(
            None,
            f"batch {batch}'s last run {last[0].run_id} ended {last[0].status.value} and was not "
            "published; see that run's log, fix the cause, then run "
            f"`lifecrm backfill --from {batch} --to {batch}`",
        )
    return Decision(batch, f"batch {batch} is complete and not published yet")


def request(decision: Decision) -> dg.RunRequest:
    key = decision.run_key or f"batch-{decision.batch}"
    return dg.RunRequest(run_key=key, tags={BATCH_TAG: decision.batch})
