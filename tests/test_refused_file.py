"""A refused file can be put right: the default world's renamed column in the first daily batch
(`2026-01-01/premium_payments.csv`) walked from refusal to an accepted load through the CLI, as a
data team would (README, "A refused file"). The runs are ingestion only: the layer that decides."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import lifecrm

pytestmark = pytest.mark.xdist_group("refused-file")  # one world, built once, on one worker
REFUSED = "2026-01-01/premium_payments.csv"
INGEST = ("--select", "group:ingest")


def accounting(data: Path) -> list[tuple]:
    con = duckdb.connect(str(data / "warehouse" / "lifecrm.duckdb"), read_only=True)
    try:
        return con.execute(
            "select regexp_extract(source_file, '[^/]+/[^/]+$'), status, rows_read, rows_passed, "
            "rows_quarantined, rows_refused, resolved_by from raw.row_accounting "
            "where export = 'premium_payments' order by batch_date, loaded_at"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory):
    """The default world's defects, three daily batches, and a backfill of the three days."""
    data = tmp_path_factory.mktemp("refused")
    assert lifecrm(data, "generate", "--customers", "600", "--seed", "7").returncode == 0
    first = lifecrm(data, "run", *INGEST)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    for _ in range(3):
        assert lifecrm(data, "generate", "--next-day").returncode == 0
    # a note the source left beside the exports: not read, but said
    (data / "landing" / "2026-01-02" / "notes.txt").write_text("sent by hand\n")
    backfill = lifecrm(data, "backfill", "--from", "2026-01-01", "--to", "2026-01-03", *INGEST)
    return data, backfill


def test_the_refusal_is_recorded_and_only_its_export_waits(backfilled):
    data, backfill = backfilled
    # every day ran and was published: the other fifteen exports went on
    assert backfill.returncode == 0, backfill.stdout[-3000:] + backfill.stderr[-3000:]
    assert backfill.stdout.count("published ") >= 3
    assert f"{REFUSED}: required column(s) amount_paid_twd missing" in backfill.stderr
    assert "waiting behind it: 2026-01-02/premium_payments.csv" in backfill.stderr
    assert "lifecrm landing status" in backfill.stderr
    assert "Traceback" not in backfill.stdout + backfill.stderr
    # from the day it landed, each run's summary warns of the unlisted file
    summaries = backfill.stdout.split("\nRun ")[1:]  # one a day: 2026-01-01, -02 and -03
    said = ["not read: 2026-01-02/notes.txt" in summary for summary in summaries]
    assert said == [False, True, True]
    rows = accounting(data)
    assert [r[:2] for r in rows] == [("2025-12-31/premium_payments.csv", "loaded"),
                                     (REFUSED, "refused")]  # fmt: skip
    name, _, read, passed, quarantined, refused, _ = rows[1]
    assert (passed, quarantined, refused) == (0, 0, read) and read > 0
    con = duckdb.connect(str(data / "warehouse" / "lifecrm.duckdb"), read_only=True)
    newest = dict(con.execute("select export, max(batch_date) from raw.load_manifest "
                              "where batch_failure is null group by 1").fetchall())  # fmt: skip
    con.close()
    assert str(newest["premium_payments"]) == "2025-12-31"
    assert str(newest["policy_events"]) == "2026-01-03"


def test_landing_status_says_what_waits_and_the_ways_out(backfilled):
    data, _ = backfilled
    status = lifecrm(data, "landing", "status")
    assert status.returncode == 1  # a refusal waits for someone
    assert f"REFUSED  {REFUSED}" in status.stdout
    assert "waiting: 2026-01-02/premium_payments.csv, 2026-01-03/premium_payments.csv" in (
        status.stdout
    )
    assert f"lifecrm landing accept {REFUSED}" in status.stdout
    assert "landing/2026-01-01.2/" in status.stdout
    wrong = lifecrm(data, "landing", "skip", "2026-01-02/customers.csv", "--reason", "x")
    assert wrong.returncode == 2 and "no open refusal of 2026-01-02/customers.csv" in wrong.stderr


def test_running_again_before_a_decision_changes_nothing(backfilled):
    data, _ = backfilled
    before = accounting(data)
    # the issue's `backfill --from 2026-01-02`: those days are published, and it says so
    again = lifecrm(data, "backfill", "--from", "2026-01-02", "--to", "2026-01-03", *INGEST)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "2026-01-02, 2026-01-03 already published" in again.stdout
    # a run (as the sensor's next one) meets the same refusal and records nothing new
    rerun = lifecrm(data, "run", *INGEST)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert f"{REFUSED}: required column(s) amount_paid_twd missing" in rerun.stderr
    assert accounting(data) == before


def test_an_accepted_refusal_loads_and_the_wait_ends(backfilled):
    data, _ = backfilled
    decided = lifecrm(
        data, "landing", "accept", REFUSED, "--rename", "amount_paid=amount_paid_twd",
        "--reason", "billing renamed the column; same values", "--by", "data-team",
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    pending = lifecrm(data, "landing", "status")
    assert pending.returncode == 0 and "decided: accept by data-team" in pending.stdout
    run = lifecrm(data, "run", *INGEST)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    rows = accounting(data)
    assert [r[:2] for r in rows] == [
        ("2025-12-31/premium_payments.csv", "loaded"),
        (REFUSED, "accepted"),
        ("2026-01-02/premium_payments.csv", "loaded"),
        ("2026-01-03/premium_payments.csv", "loaded"),
    ]
    assert rows[1][6] == "data-team"
    assert all(read == passed + quarantined + refused for _, _, read, passed, quarantined,
               refused, _ in rows)  # fmt: skip
    con = duckdb.connect(str(data / "warehouse" / "lifecrm.duckdb"), read_only=True)
    paid = con.execute(
        "select count(*), count(amount_paid_twd) filter (where paid_date is not null), "
        "count(*) filter (where paid_date is not null) from raw.premium_payments "
        "where _batch_date = date '2026-01-01'"
    ).fetchall()[0]
    note = con.execute(
        "select resolution_note from raw.load_manifest where resolution = 'accepted'"
    ).fetchall()
    con.close()
    assert paid[0] == rows[1][2] and paid[1] == paid[2]  # the renamed column's values arrived
    assert note == [("billing renamed the column; same values (columns renamed: amount_paid -> "
                     "amount_paid_twd)",)]  # fmt: skip
    assert lifecrm(data, "landing", "status").returncode == 0
