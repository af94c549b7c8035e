"""Loading raw data: idempotent, encodings, quoting, malformed lines, drift; every row accounted."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from lifecrm.ingest.landing import LandingError, export_files
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
        "batch_date": day,
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


def test_a_changed_file_is_refused_by_name(tmp_path, con):
    path = deliver(tmp_path, "2025-12-31", csv_text())
    load(con, tmp_path)
    deliver(tmp_path, "2025-12-31", csv_text(ROWS[:1]))
    with pytest.raises(LandingError, match=f"{path}.*has changed since"):
        load(con, tmp_path)


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


def test_an_undecodable_file_is_refused_by_name(tmp_path, con):
    path = tmp_path / "2025-12-31" / "agents.csv"
    deliver(tmp_path, "2025-12-31", csv_text())
    path.write_bytes(path.read_bytes() + b"\xff\xfe\xfa\n")
    manifest = json.loads((path.parent / "manifest.json").read_text())
    manifest["files"][0]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (path.parent / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(LandingError, match=f"{path}: not UTF-8"):
        load(con, tmp_path)


def test_a_renamed_required_column_stops_the_batch_by_name(tmp_path, con):
    path = deliver(tmp_path, "2025-12-31", csv_text(header="agent_id,agent_name,branch_name"))
    with pytest.raises(LandingError, match=f"{path}: required column\\(s\\) branch missing"):
        load(con, tmp_path)
    assert con.execute("select count(*) from raw.load_manifest").fetchall() == [(0,)]


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
