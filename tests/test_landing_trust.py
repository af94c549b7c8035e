"""The landing folder is a trust boundary: what a delivery says never makes lifecrm read outside
its batch folder, and a manifest means what the export contract says. Each case is refused by
name (batch, file, rule) and recorded, and nothing of it is loaded."""

from __future__ import annotations

import json

import duckdb
import pytest
from test_ingest_loading import REQUIRED, csv_text, deliver

from lifecrm.ingest.landing import LandingError, export_files
from lifecrm.ingest.raw_loader import load_export


def load(landing):
    con = duckdb.connect()
    result = load_export(con, "agents", export_files(landing, "agents"), REQUIRED)
    return con, result


def rewrite_manifest(folder, change) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def test_a_file_linked_to_outside_the_landing_folder_is_refused_unread(tmp_path):
    secret = tmp_path / "elsewhere.csv"
    secret.write_text(csv_text([("A000009", "王小明", "Secret")]))
    landing = tmp_path / "landing"
    path = deliver(landing, "2025-12-31", csv_text())
    path.unlink()
    path.symlink_to(secret)  # the manifest's checksum and size still match the real content
    con, result = load(landing)
    assert result.refused == [
        f"2025-12-31/agents.csv: a symbolic link (to {secret}): a delivery is a regular file in "
        "its folder"
    ]
    assert con.execute("select count(*) from raw.load_manifest where batch_failure is not null"
                       ).fetchall() == [(1,)]  # fmt: skip
    assert not con.execute("select * from information_schema.tables where table_name = 'agents' "
                           "and table_schema = 'raw'").fetchall()  # fmt: skip


def test_a_batch_folder_linked_to_elsewhere_is_refused(tmp_path):
    outside = tmp_path / "outside"
    deliver(outside, "2025-12-31", csv_text())
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "2025-12-31").symlink_to(outside / "2025-12-31")
    _, result = load(landing)
    assert len(result.refused) == 1
    assert result.refused[0].startswith("2025-12-31/agents.csv: manifest.json: the batch is a "
                                        "symbolic link")  # fmt: skip


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (lambda m: m["files"].append({**m["files"][0], "file": "../../x.csv"}), "'../../x.csv' "
         "is not a plain file name"),
        (lambda m: m["files"].append({**m["files"][0], "file": "/etc/passwd.csv"}),
         "'/etc/passwd.csv' is not a plain file name"),
        (lambda m: m["files"].append({**m["files"][0], "file": "sub/dir.csv"}),
         "'sub/dir.csv' is not a plain file name"),
        (lambda m: m["files"].insert(0, {**m["files"][0], "sha256": "0" * 64}),
         "agents.csv is listed twice"),
        (lambda m: m.update(batch_date="2025-12-30"),
         "its batch_date 2025-12-30 is not the folder's 2025-12-31"),
        (lambda m: m["files"][0].update(bytes=1), "1 bytes, the manifest says"),
        (lambda m: m["files"][0].update(rows="many"), "agents.csv's rows 'many' is not a count"),
    ],
)  # fmt: skip
def test_a_manifest_that_breaks_the_contract_refuses_the_file_by_name(tmp_path, change, rule):
    landing = tmp_path / "landing"
    deliver(landing, "2025-12-31", csv_text())
    rewrite_manifest(landing / "2025-12-31", change)
    if "bytes, the manifest says" in rule:  # a file-level rule: the size is the file's
        rule = (
            f"2025-12-31/agents.csv: {(landing / '2025-12-31/agents.csv').stat().st_size} "
            "bytes, the manifest says 1"
        )
    con, result = load(landing)
    assert len(result.refused) == 1 and rule in result.refused[0], result.refused
    assert result.refused[0].startswith("2025-12-31/agents.csv: ")
    assert result.rows == 0 and result.files_loaded == 0


def test_an_export_file_left_out_of_its_manifest_is_refused_not_skipped(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "2025-12-31", csv_text())
    deliver(landing, "2026-01-01", csv_text([("A000003", "黃家豪", "Taoyuan")]))
    rewrite_manifest(landing / "2026-01-01", lambda m: m.update(files=[]))
    _, result = load(landing)
    assert result.refused == [
        "2026-01-01/agents.csv: in the batch folder but not listed in its manifest.json"
    ]


def test_a_header_with_quoted_names_is_valid_csv(tmp_path):
    landing = tmp_path / "landing"
    deliver(
        landing, "2025-12-31", '"agent_id","agent_name","branch"\n"A000001","陳志明","Taipei"\n'
    )
    con, result = load(landing)
    assert result.refused == [] and result.rows == 1
    assert con.execute("select branch from raw.agents").fetchall() == [("Taipei",)]


def test_an_incomplete_batch_still_waits_rather_than_refusing(tmp_path):
    landing = tmp_path / "landing"
    deliver(landing, "2025-12-31", csv_text())
    (landing / "2025-12-31" / "manifest.json").unlink()
    with pytest.raises(LandingError, match="has no manifest.json"):
        export_files(landing, "agents")


def test_an_unlisted_file_that_is_no_export_is_reported_not_read(tmp_path):
    from lifecrm.ingest.landing import unlisted_extras

    batch = tmp_path / "2026-01-02"
    batch.mkdir()
    (batch / "manifest.json").write_text('{"files": [{"file": "customers.csv"}]}')
    for name in ("customers.csv", "policies.csv", "notes.txt", "extra.csv", ".hidden"):
        (batch / name).write_text("x\n")
    # policies.csv is an export: its own load refuses it unlisted; the others are only reported
    assert unlisted_extras(batch, ("customers", "policies")) == ["extra.csv", "notes.txt"]
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "2026-01-03").symlink_to(tmp_path / "elsewhere")
    assert unlisted_extras(tmp_path / "2026-01-03", ("customers",)) == []
