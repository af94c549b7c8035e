"""Loading raw data: idempotent, encodings, quoting, malformed lines, drift; every row accounted."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from lifecrm.ingest.landing import export_files
from lifecrm.ingest.raw_loader import load_export

REQUIRED = ["agent_id", "agent_name", "branch"]
ROWS = [("A000001", "陳志明", "Taipei"), ("A000002", "林淑芬", "Tainan, West")]


def deliver(landing: Path, day: str, text: str, encoding: str = "utf-8", rows: int | None = None):
    """A batch folder with one agents.csv and its manifest."""
    folder = landing / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "agents.csv"
    path.write_bytes(text.encode(encoding))
    records = rows if rows is not None else text.count("\n") - 1
    manifest = {
        "batch_date": day[:10],  # a later delivery of a day carries that day's date
        "kind": "delta",
        "files": [
            {
                "file": "agents.csv",
                "rows": records,
                "bytes": path.stat().st_size,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        ],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return path


def csv_text(rows=ROWS, header="agent_id,agent_name,branch") -> str:
    body = "".join(",".join(f'"{v}"' if "," in v else v for v in row) + "\n" for row in rows)
    return header + "\n" + body


def load(con, landing):
    return load_export(con, "agents", export_files(landing, "agents"), REQUIRED)


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_loading_again_is_a_no_op(tmp_path, con):
    deliver(tmp_path, "2025-12-31", csv_text())
    first = load(con, tmp_path)
    second = load(con, tmp_path)
    assert (first.files_loaded, first.rows_loaded) == (1, 2)
    assert (second.files_loaded, second.files_skipped, second.rows) == (0, 1, 2)
    assert con.execute("select count(*) from raw.load_manifest").fetchall() == [(1,)]


def refusals(con) -> list[tuple]:
    return con.execute(
        "select regexp_extract(source_file, '[^/]+/[^/]+$'), status, refusal_reason "
        "from raw.row_accounting where status <> 'loaded' order by source_file"
    ).fetchall()


def test_a_changed_file_is_refused_by_name_and_what_was_loaded_stands(tmp_path, con):
    deliver(tmp_path, "2025-12-31", csv_text())
    load(con, tmp_path)
    deliver(tmp_path, "2025-12-31", csv_text(ROWS[:1]))
    deliver(tmp_path, "2026-01-01", csv_text([("A000003", "黃家豪", "Taoyuan")]))
    result = load(con, tmp_path)
    assert [r.split(": ")[0] for r in result.refused] == ["2025-12-31/agents.csv"]
    assert "has changed since" in result.refused[0]
    (name, status, reason), *_ = refusals(con)
    assert (name, status) == ("2025-12-31/agents.csv", "refused")
    assert "a delivered file must not change" in reason
    # the content loaded before stands, and the later batch is not held back by it
    assert result.waiting == [] and result.rows == 3


def test_big5_and_bom_files_read_correctly_and_quoted_commas_survive(tmp_path, con):
    deliver(tmp_path, "2025-12-30", csv_text(), encoding="cp950")
    deliver(tmp_path, "2025-12-31", "\ufeff" + csv_text([("A000003", "黃家豪", "Taoyuan")]))
    result = load(con, tmp_path)
    assert result.rows == 3
    names = con.execute("select agent_name, branch from raw.agents order by agent_id").fetchall()
    assert names == [("陳志明", "Taipei"), ("林淑芬", "Tainan, West"), ("黃家豪", "Taoyuan")]
    encodings = con.execute("select encoding from raw.load_manifest order by batch_date").fetchall()
    assert encodings == [("cp950",), ("utf-8-sig",)]


def test_embedded_line_breaks_survive_and_lines_stay_physical(tmp_path, con):
    text = (
        "agent_id,agent_name,branch\n"
        'A000001,"Wang\nXiao",Taipei\n'
        'A000002,Lin,"Tai\npei"\n'
        "A000003,Bad\n"
    )
    deliver(tmp_path, "2025-12-31", text, rows=3)
    result = load(con, tmp_path)
    rows = con.execute("select agent_name, _source_line from raw.agents order by 2").fetchall()
    assert rows == [("Wang\nXiao", 2), ("Lin", 4)]
    assert result.rows_quarantined == 1
    assert con.execute("select _source_line from quarantine.agents").fetchall() == [(6,)]


@pytest.mark.parametrize("bad_record", [None, 150_000])
def test_every_record_of_a_large_file_keeps_its_own_line(tmp_path, con, bad_record):
    """Large enough that DuckDB reads it in parallel, in several row groups, and loads it in a
    transaction (whose rows are numbered from a large base): each record's line is its own,
    with and without an unparsable record before most of them."""
    records = 300_000
    rows = [(f"A{line:07d}", "name", "Taipei") for line in range(2, records + 2)]
    text = csv_text(rows)
    if bad_record:
        lines = text.split("\n")
        lines[bad_record - 1] = lines[bad_record - 1] + ",one too many"
        text = "\n".join(lines)
    deliver(tmp_path, "2025-12-31", text, rows=records)
    result = load(con, tmp_path)  # each file is loaded in a transaction of its own
    assert result.rows_loaded + result.rows_quarantined == records
    wrong = con.execute(
        "select count(*) from raw.agents where _source_line <> cast(substr(agent_id, 2) as int)"
    ).fetchall()[0][0]
    assert wrong == 0
    quarantined = con.execute("select _source_line from quarantine.agents").fetchall()
    assert quarantined == ([(bad_record,)] if bad_record else [])


def test_a_truncated_last_line_is_quarantined_and_every_row_accounted(tmp_path, con):
    text = csv_text() + "A000003,黃家"  # cut mid-record, no newline
    deliver(tmp_path, "2025-12-31", text, rows=3)
    result = load(con, tmp_path)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    rules, line, raw = con.execute(
        "select _rules, _source_line, _raw_line from quarantine.agents"
    ).fetchall()[0]
    assert line == 4 and raw == "A000003,黃家"
    assert rules == ["malformed_line: missing columns (branch)"]
    accounted = con.execute(
        "select rows_in_manifest, rows_loaded + rows_quarantined from raw.load_manifest"
    ).fetchall()
    assert accounted == [(3, 3)]


def test_an_undecodable_file_is_refused_by_name_and_recorded(tmp_path, con):
    path = tmp_path / "2025-12-31" / "agents.csv"
    deliver(tmp_path, "2025-12-31", csv_text())
    path.write_bytes(path.read_bytes() + b"\xff\xfe\xfa\n")
    manifest = json.loads((path.parent / "manifest.json").read_text())
    manifest["files"][0]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest["files"][0]["bytes"] = path.stat().st_size
    (path.parent / "manifest.json").write_text(json.dumps(manifest))
    result = load(con, tmp_path)
    assert result.refused[0].startswith("2025-12-31/agents.csv: not UTF-8")
    assert refusals(con)[0][1] == "refused"


def test_a_renamed_required_column_is_refused_and_later_batches_wait(tmp_path, con):
    deliver(tmp_path, "2025-12-31", csv_text())
    deliver(tmp_path, "2026-01-01", csv_text(header="agent_id,agent_name,branch_name"))
    deliver(tmp_path, "2026-01-02", csv_text([("A000003", "黃家豪", "Taoyuan")]))
    result = load(con, tmp_path)
    assert result.refused == [
        "2026-01-01/agents.csv: required column(s) branch missing from the header (found: "
        "agent_id, agent_name, branch_name); refusing the file"
    ]
    assert result.waiting == ["2026-01-02/agents.csv"]
    assert result.rows == 2  # the first batch only
    accounting = con.execute(
        "select rows_read, rows_passed, rows_quarantined, rows_refused, status "
        "from raw.row_accounting where source_file like '%2026-01-01%'"
    ).fetchall()
    assert accounting == [(2, 0, 0, 2, "refused")]
    # a run that meets it again records nothing new and still holds the later batch back
    again = load(con, tmp_path)
    assert (again.refused, again.waiting) == (result.refused, result.waiting)
    assert con.execute("select count(*) from raw.load_manifest").fetchall() == [(2,)]


def decide(landing: Path, con, file: str, action: str, **extra):
    from lifecrm.ingest import decisions

    sha = hashlib.sha256((landing / file).read_bytes()).hexdigest()
    return {file: decisions.make(file, action, sha, "checked with billing", by="tester", **extra)}


def test_an_accepted_file_loads_with_its_column_renamed_and_the_wait_ends(tmp_path, con):
    deliver(tmp_path, "2025-12-31", csv_text())
    deliver(tmp_path, "2026-01-01", csv_text(header="agent_id,agent_name,branch_name"))
    deliver(tmp_path, "2026-01-02", csv_text([("A000003", "黃家豪", "Taoyuan")]))
    load(con, tmp_path)
    decision = decide(
        tmp_path, con, "2026-01-01/agents.csv", "accept", rename={"branch_name": "branch"}
    )
    result = load_export(con, "agents", export_files(tmp_path, "agents"), REQUIRED, None, decision)
    assert result.refused == [] and result.waiting == []
    assert result.decided == [
        "2026-01-01/agents.csv: accepted by tester (checked with billing (columns renamed: "
        "branch_name -> branch))"
    ]
    assert result.rows == 5
    assert con.execute(
        "select branch from raw.agents where _batch_date = date '2026-01-01' order by 1"
    ).fetchall() == [("Tainan, West",), ("Taipei",)]
    (row,) = con.execute(
        "select status, rows_passed, refusal_reason, resolved_by, resolved_at is not null "
        "from raw.row_accounting where source_file like '%2026-01-01%'"
    ).fetchall()
    assert row[:2] == ("accepted", 2) and "branch missing" in row[2] and row[3:] == ("tester", True)
    # the decision is applied once: the next load changes nothing
    again = load_export(con, "agents", export_files(tmp_path, "agents"), REQUIRED, None, decision)
    assert (again.files_loaded, again.decided, again.rows) == (0, [], 5)


def test_a_skipped_file_is_set_aside_and_the_later_batches_go_on(tmp_path, con):
    deliver(tmp_path, "2025-12-31", csv_text())
    deliver(tmp_path, "2026-01-01", csv_text(header="agent_id,agent_name,branch_name"))
    deliver(tmp_path, "2026-01-02", csv_text([("A000003", "黃家豪", "Taoyuan")]))
    load(con, tmp_path)
    decision = decide(tmp_path, con, "2026-01-01/agents.csv", "skip")
    result = load_export(con, "agents", export_files(tmp_path, "agents"), REQUIRED, None, decision)
    assert result.refused == [] and result.waiting == [] and result.rows == 3
    assert refusals(con)[0][:2] == ("2026-01-01/agents.csv", "skipped")
    # a decision about other content does not cover a file that changed since
    stale = decide(tmp_path, con, "2026-01-01/agents.csv", "skip")
    deliver(tmp_path, "2026-01-01", csv_text(header="agent_id,agent_name,branch_name") + "x,y,z\n")
    fresh = duckdb.connect()
    load_export(fresh, "agents", export_files(tmp_path, "agents")[:2], REQUIRED, None, stale)
    assert refusals(fresh)[0][1] == "refused"


def test_a_redelivery_of_the_day_replaces_the_refused_file(tmp_path, con):
    deliver(tmp_path, "2025-12-31", csv_text())
    deliver(tmp_path, "2026-01-01", csv_text(header="agent_id,agent_name,branch_name"))
    deliver(tmp_path, "2026-01-02", csv_text([("A000003", "黃家豪", "Taoyuan")]))
    assert load(con, tmp_path).waiting == ["2026-01-02/agents.csv"]
    deliver(tmp_path, "2026-01-01.2", csv_text([("A000004", "李美玲", "Hsinchu")]))
    result = load(con, tmp_path)
    assert result.refused == [] and result.waiting == [] and result.rows == 4
    assert result.decided == ["2026-01-01/agents.csv: re-sent as 2026-01-01.2/agents.csv"]
    order = con.execute(
        "select regexp_extract(source_file, '[^/]+/[^/]+$'), status from raw.row_accounting "
        "order by batch_date, loaded_at"
    ).fetchall()
    assert order == [
        ("2025-12-31/agents.csv", "loaded"),
        ("2026-01-01/agents.csv", "redelivered"),
        ("2026-01-01.2/agents.csv", "loaded"),
        ("2026-01-02/agents.csv", "loaded"),
    ]
    assert (
        con.execute("select _batch_date from raw.agents where agent_id = 'A000004'")
        .fetchall()[0][0]
        .isoformat()
        == "2026-01-01"
    )
    # a later delivery of a day whose file was loaded is refused: it would rewrite loaded rows
    deliver(tmp_path, "2026-01-02.2", csv_text([("A000005", "王大明", "Keelung")]))
    late = load(con, tmp_path)
    assert late.refused[0].startswith("2026-01-02.2/agents.csv: re-sends 2026-01-02/agents.csv")
    assert late.waiting == [] and late.rows == 4


def test_a_file_the_suite_refuses_waits_until_accepted(tmp_path, con):
    """The agents suite (Great Expectations) refuses a file with too many bad channel codes;
    accepted, its bad rows are quarantined and the rest load."""
    from dagster_project.defs.quality.gx_checks import SuiteValidator
    from lifecrm.ingest.contract import required_columns

    header = "agent_id,agent_name,hire_date,termination_date,branch,channel,rank"
    good = [f"A00000{i},陳志明,2020-01-0{i},,Taipei,agent,agent" for i in range(1, 10)]
    bad = ["A000010,林淑芬,2020-01-10,,Taipei,telepathy,agent"]
    deliver(tmp_path, "2025-12-31", "\n".join([header, *good[:4]]) + "\n")
    deliver(tmp_path, "2026-01-01", "\n".join([header, *good[4:], *bad]) + "\n")
    deliver(tmp_path, "2026-01-02", "\n".join([header, good[0]]) + "\n")
    required = required_columns("agents")
    files = export_files(tmp_path, "agents")
    result = load_export(con, "agents", files, required, SuiteValidator("agents"))
    assert result.refused and "more than the 5% allowed" in result.refused[0]
    assert result.waiting == ["2026-01-02/agents.csv"]
    decision = decide(tmp_path, con, "2026-01-01/agents.csv", "accept")
    result = load_export(con, "agents", files, required, SuiteValidator("agents"), decision)
    assert result.refused == [] and result.waiting == []
    accounting = con.execute(
        "select status, rows_read, rows_passed, rows_quarantined from raw.row_accounting "
        "where source_file like '%2026-01-01%'"
    ).fetchall()
    assert accounting == [("accepted", 6, 5, 1)]


def test_batches_load_in_date_order_and_new_columns_are_kept(tmp_path, con):
    deliver(
        tmp_path,
        "2026-01-01",
        csv_text([("A000009", "x", "y", "z")], "agent_id,agent_name,branch,team"),
    )
    deliver(tmp_path, "2025-12-31", csv_text())
    result = load(con, tmp_path)
    order = con.execute(
        "select batch_date from raw.load_manifest order by loaded_at, rowid"
    ).fetchall()
    assert [str(d) for (d,) in order] == ["2025-12-31", "2026-01-01"]
    assert any("new column(s) team" in w for w in result.warnings)
    assert con.execute("select team from raw.agents where agent_id = 'A000009'").fetchall() == [
        ("z",)
    ]
