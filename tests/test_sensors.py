"""The landing sensor and the daily schedule, evaluated with Dagster's test utilities on landing
folders written here and a published warehouse that says which batches it holds."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest
from conftest import lifecrm

from dagster_project.defs.ops.daily_schedule import daily_newest_batch
from dagster_project.defs.ops.landing_sensor import landing_batches
from lifecrm.orchestration import BATCH_TAG, PUBLISHED_TAG
from lifecrm.warehouse_file import create_if_missing


def land(data_dir, day: str, *, manifest: bool = True, short: bool = False) -> None:
    batch = data_dir / "landing" / day
    batch.mkdir(parents=True)
    content = "customer_id\nC1\n"
    (batch / "customers.csv").write_text(content[:-3] if short else content)
    if manifest:
        entry = {"file": "customers.csv", "rows": 1, "bytes": len(content), "sha256": "-"}
        (batch / "manifest.json").write_text(json.dumps({"batch_date": day, "files": [entry]}))


def published_through(data_dir, day: str) -> None:
    path = data_dir / "warehouse" / "lifecrm.duckdb"
    create_if_missing(path)
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists raw")
    con.execute("create or replace table raw.load_manifest as select ?::date as batch_date", [day])
    con.close()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFECRM_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def evaluate(instance, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    return landing_batches(context), context.cursor


def add_run(instance, status, batch: str, published: str | None = None) -> dg.DagsterRun:
    tags = {BATCH_TAG: batch, **({PUBLISHED_TAG: published} if published else {})}
    run = dg.DagsterRun(job_name="__ASSET_JOB", status=status, tags=tags)
    instance.add_run(run)
    return run


def test_batches_are_requested_one_at_a_time_oldest_first(data_dir, instance):
    for day in ("2025-12-31", "2026-01-01", "2026-01-02"):
        land(data_dir, day)
    request, cursor = evaluate(instance)
    assert isinstance(request, dg.RunRequest)
    assert request.tags[BATCH_TAG] == "2025-12-31" and request.run_key == "batch-2025-12-31"
    assert cursor == "2025-12-31"
    # once the first is published, the next one
    published_through(data_dir, "2025-12-31")
    request, cursor = evaluate(instance, cursor)
    assert request.tags[BATCH_TAG] == "2026-01-01" and cursor == "2026-01-01"
    # while a run works, nothing more is started
    running = add_run(instance, dg.DagsterRunStatus.STARTED, "2026-01-01")
    skip, _ = evaluate(instance, cursor)
    assert isinstance(skip, dg.SkipReason) and running.run_id in skip.skip_message
    # the schedule takes the newest complete batch (the run loads every batch up to it)
    instance.delete_run(running.run_id)
    scheduled = daily_newest_batch(dg.build_schedule_context(instance=instance))
    assert scheduled.tags[BATCH_TAG] == "2026-01-02"
    published_through(data_dir, "2026-01-02")
    skip, _ = evaluate(instance, cursor)
    assert "every landed batch is published (through 2026-01-02)" in skip.skip_message
    scheduled = daily_newest_batch(dg.build_schedule_context(instance=instance))
    assert isinstance(scheduled, dg.SkipReason)


def test_a_correction_of_published_days_gets_a_run_of_its_own(data_dir, instance):
    from lifecrm.ingest import decisions

    for day in ("2025-12-31", "2026-01-01", "2026-01-02"):
        land(data_dir, day)
    path = data_dir / "warehouse" / "lifecrm.duckdb"
    create_if_missing(path)
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute(
        "create table raw.load_manifest as select * from (values "
        "(date '2026-01-02', ?, null), (date '2026-01-01', ?, null)) "
        "as t(batch_date, source_file, resolution)",
        [f"{data_dir}/landing/2026-01-02/customers.csv", f"{data_dir}/landing/2026-01-01/x.csv"],
    )
    con.close()
    skip, cursor = evaluate(instance)
    assert "every landed batch is published" in skip.skip_message
    # the source re-sends a refused file of a day already published
    land(data_dir, "2026-01-01.2")
    request, _ = evaluate(instance, cursor)
    assert request.run_key == "resent-2026-01-01.2" and request.tags[BATCH_TAG] == "2026-01-02"
    # a data team's decision not applied yet
    (data_dir / "landing" / "2026-01-01.2").rename(data_dir / "landing" / "resent-gone")
    decisions.write(decisions.make("2026-01-01/x.csv", "skip", "ab" * 32, "re-sent later"))
    request, _ = evaluate(instance, cursor)
    assert request.run_key.startswith("decision-2026-01-01/x.csv-abababababab-")
    assert request.tags[BATCH_TAG] == "2026-01-02"


def test_an_incomplete_batch_is_waited_for_and_holds_back_the_later_ones(data_dir, instance):
    land(data_dir, "2025-12-31", manifest=False)
    land(data_dir, "2026-01-01")
    skip, _ = evaluate(instance)
    assert "2025-12-31: no manifest.json yet" in skip.skip_message
    (data_dir / "landing" / "2025-12-31").rename(data_dir / "landing" / "gone")
    land(data_dir, "2025-12-31", short=True)  # a file still being written
    skip, _ = evaluate(instance)
    assert "customers.csv: 12 bytes, the manifest says 15" in skip.skip_message


def test_a_failed_batch_is_not_retried_and_says_what_to_do(data_dir, instance):
    land(data_dir, "2025-12-31")
    land(data_dir, "2026-01-01")
    published_through(data_dir, "2025-12-31")
    failed = add_run(instance, dg.DagsterRunStatus.FAILURE, "2026-01-01", published="no")
    skip, _ = evaluate(instance)
    assert failed.run_id in skip.skip_message
    assert "lifecrm backfill --from 2026-01-01 --to 2026-01-01" in skip.skip_message
    # once a later run of that day succeeded and was published, the sensor moves on
    add_run(instance, dg.DagsterRunStatus.SUCCESS, "2026-01-01", published="yes")
    published_through(data_dir, "2026-01-01")
    skip, _ = evaluate(instance)
    assert "every landed batch is published" in skip.skip_message


def test_a_daily_export_missing_from_the_newest_batch_is_flagged(data_dir):
    from dagster_project.defs.ops.freshness import late_reason

    land(data_dir, "2025-12-31")
    land(data_dir, "2026-01-01")
    assert late_reason("customers") is None
    land(data_dir, "2026-01-02")
    (data_dir / "landing" / "2026-01-02" / "manifest.json").write_text(json.dumps({"files": []}))
    reason = late_reason("customers")
    assert "customers.csv is not in batch 2026-01-02 (last delivered: 2026-01-01)" in reason
    assert "Ask policy administration to send it" in reason
    assert late_reason("customers", upto="2026-01-01") is None  # a run for an earlier day
    assert late_reason("external_areas") is None  # delivered with the initial extract only


def test_backfill_names_a_bad_range(tmp_path):
    land(tmp_path, "2025-12-31")
    backwards = lifecrm(tmp_path, "backfill", "--from", "2026-01-02", "--to", "2026-01-01")
    assert backwards.returncode == 2
    assert "--to 2026-01-01 is before --from 2026-01-02" in backwards.stderr
    empty = lifecrm(tmp_path, "backfill", "--from", "2026-02-01", "--to", "2026-02-03")
    assert empty.returncode == 2
    assert "no landed batch" in empty.stderr and "between 2026-02-01 and 2026-02-03" in empty.stderr


def test_a_succeeded_run_not_yet_published_is_published_before_the_next_starts(data_dir, instance):
    from lifecrm import publish
    from lifecrm.orchestration import publish_pending

    pending = add_run(instance, dg.DagsterRunStatus.SUCCESS, "2025-12-31")
    failed = add_run(instance, dg.DagsterRunStatus.FAILURE, "2025-12-31")
    for run, rows in ((pending, 3), (failed, 5)):  # both at work at once
        con = duckdb.connect(str(publish.ensure_working(run.run_id)))
        con.execute(f"create table answer as select * from range({rows})")
        con.close()
    for run in (pending, failed):
        publish.release(run.run_id)  # their processes have ended; the publish sensor has not run
    (outcome,) = publish_pending(instance)
    assert outcome.run_id == pending.run_id and outcome.published, outcome.publish_reason
    assert instance.get_run_by_id(pending.run_id).tags[PUBLISHED_TAG] == "yes"
    con = duckdb.connect(str(data_dir / "warehouse" / "lifecrm.duckdb"), read_only=True)
    assert con.execute("select count(*) from answer").fetchall() == [(3,)]
    con.close()
    assert publish_pending(instance) == []  # the failed run's copy is left as it is
    assert publish.working_path(failed.run_id).exists()
