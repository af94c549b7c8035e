"""Three daily batches run unattended through the landing sensor, each published atomically; a
fourth with a refused file is published with that file held back, and the sensor starts nothing
more.

The runs load two exports into the raw layer only: what the sensor path decides does not depend
on the layers after it, and the full pipeline's publish is tested on `built_world`."""

from __future__ import annotations

import hashlib
import json

import dagster as dg
import duckdb
import pytest
from conftest import TWO_EXPORTS, lifecrm

from lifecrm import orchestration, settings
from lifecrm.orchestration import BATCH_TAG


def break_header(batch_dir, export: str) -> None:
    """Rename a contract column and record the new checksum, as a bad source system would."""
    path = batch_dir / f"{export}.csv"
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(header.replace("amount_paid_twd", "amount_twd") + "\n" + rest, "utf-8")
    manifest_path = batch_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["file"] == path.name:
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            entry["bytes"] = path.stat().st_size
    manifest_path.write_text(json.dumps(manifest))


def published_batches(data_dir) -> list[str]:
    con = duckdb.connect(str(data_dir / "warehouse" / "lifecrm.duckdb"), read_only=True)
    try:
        rows = con.execute("select distinct batch_date from raw.load_manifest order by 1")
        return [day.isoformat() for (day,) in rows.fetchall()]
    finally:
        con.close()


@pytest.fixture
def world(tmp_path, monkeypatch):
    assert (
        lifecrm(tmp_path, "generate", "--customers", "300", "--seed", "7", "--clean").returncode
        == 0
    )
    for _ in range(3):
        assert lifecrm(tmp_path, "generate", "--next-day").returncode == 0
    monkeypatch.setenv("LIFECRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))  # restored afterwards
    orchestration.prepare_instance()
    return tmp_path


def test_batches_run_in_turn_through_the_sensor_and_a_refused_file_holds_back_only_itself(world):
    from dagster_project.defs.ops.landing_sensor import landing_batches

    days = sorted(p.name for p in (world / "landing").iterdir())
    break_header(world / "landing" / days[3], "premium_payments")
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home()))
    cursor = None
    for n, day in enumerate(days):
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        request = landing_batches(context)
        assert isinstance(request, dg.RunRequest), request
        assert request.tags[BATCH_TAG] == day
        cursor = context.cursor
        before = (world / "warehouse" / "lifecrm.duckdb").read_bytes() if n else None
        outcome = orchestration.materialize(TWO_EXPORTS, batch=request.tags[BATCH_TAG])
        if n < 3:
            assert outcome.published, outcome.publish_reason
            assert published_batches(world) == days[: n + 1]
            assert (instance.get_run_by_id(outcome.run_id).tags["lifecrm/published"]) == "yes"
        else:  # a refused file is recorded and waits; the day's other export is published
            assert outcome.published and outcome.success, outcome.publish_reason
            refused = [c for c in outcome.warned_checks if ": refused: " in c]
            assert refused and f"{days[3]}/premium_payments.csv" in refused[0], refused
            assert (world / "warehouse" / "lifecrm.duckdb").read_bytes() != before
            assert published_batches(world) == days
    # nothing is left for the sensor to start; the refusal waits for the data team
    skip = landing_batches(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert isinstance(skip, dg.SkipReason)
    assert f"every landed batch is published (through {days[3]})" in skip.skip_message
    # rerunning a published day changes nothing
    before = published_batches(world)
    again = orchestration.materialize(TWO_EXPORTS, batch=days[1])
    assert again.published and published_batches(world) == before
    assert all(m.get("files_loaded") == 0 for m in again.metadata.values())
