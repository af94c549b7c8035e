"""Bad input stops the run with a message that names what is wrong; nothing half-built follows."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest
from conftest import lifecrm


def rewrite_with_manifest(batch_dir, export: str, transform) -> None:
    """Change an export's content and record its new checksum, as a bad source system would."""
    path = batch_dir / f"{export}.csv"
    path.write_text(transform(path.read_text(encoding="utf-8")), encoding="utf-8")
    manifest_path = batch_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["file"] == path.name:
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))


@pytest.fixture
def fresh_world(tmp_path):
    assert (
        lifecrm(tmp_path, "generate", "--customers", "300", "--seed", "3", "--clean").returncode
        == 0
    )
    return tmp_path, next((tmp_path / "landing").iterdir())


def test_a_batch_with_too_many_bad_rows_blocks_everything_downstream(fresh_world):
    data_dir, batch_dir = fresh_world
    broken = 40  # customers whose national ID has a letter where a digit belongs

    def break_national_ids(text: str) -> str:
        lines = text.splitlines(keepends=True)
        for i in range(1, broken + 1):
            fields = lines[i].split(",")
            fields[1] = fields[1][:5] + "X" + fields[1][6:]
            lines[i] = ",".join(fields)
        return "".join(lines)

    rewrite_with_manifest(batch_dir, "customers", break_national_ids)
    manifest = json.loads((batch_dir / "manifest.json").read_text())
    customers = next(e["rows"] for e in manifest["files"] if e["file"] == "customers.csv")
    run = lifecrm(data_dir, "run")
    assert run.returncode == 1
    output = run.stdout + run.stderr
    assert "failed check: raw/customers:gx_raw_customers: refused:" in output
    assert "nothing of this export is loaded" in output
    assert f"{broken} of {customers} rows" in output and "more than the 5% allowed" in output
    # nothing is published; the failed run's own working copy is kept for inspection
    assert not (data_dir / "warehouse" / "lifecrm.duckdb").exists()
    assert "is kept at" in output
    (kept,) = (data_dir / "warehouse" / "work").glob("*.duckdb")
    con = duckdb.connect(str(kept), read_only=True)
    try:
        built = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        held = con.execute("select count(*) from quarantine.customers").fetchall()[0][0]
    finally:
        con.close()
    assert "raw.customers" in built
    # only what holds no delivered data: the code lists and the dimensions made from them alone
    downstream = {
        table
        for table in built
        if table.split(".")[0] in ("staging", "marts", "ml", "strategic", "tactical")
    }
    assert downstream == {"marts.dim_date", "marts.dim_channel"}
    assert held == customers  # the whole refused file is held back


def test_a_file_that_does_not_match_its_manifest_is_refused_by_name(fresh_world):
    data_dir, batch_dir = fresh_world
    with (batch_dir / "policies.csv").open("a", encoding="utf-8") as f:
        f.write(
            "P999999999,C00000001,A00001,agent,TRM10,2020-01-01,100000,1000,annual,auto_debit,in_force,2020-01-01\n"
        )
    run = lifecrm(data_dir, "run")
    assert run.returncode == 1
    # its size is checked first (the sha256 next): either names the file and the rule
    assert "2025-12-31/policies.csv: " in run.stdout + run.stderr
    assert "bytes, the manifest says" in run.stdout + run.stderr


def test_run_without_data_says_to_generate(tmp_path):
    run = lifecrm(tmp_path, "run")
    assert run.returncode == 2
    assert "run `lifecrm generate`" in run.stderr


def test_generate_rejects_bad_arguments_by_name(tmp_path):
    bad_count = lifecrm(tmp_path, "generate", "--customers", "0")
    assert bad_count.returncode == 2
    assert "--customers" in bad_count.stderr and "at least 1" in bad_count.stderr
    bad_date = lifecrm(tmp_path, "generate", "--end", "2025-13-01")
    assert bad_date.returncode == 2
    assert "YYYY-MM-DD" in bad_date.stderr
    short = lifecrm(tmp_path, "generate", "--start", "2025-01-01", "--end", "2025-03-01")
    assert short.returncode == 2
    assert "at least 400 days" in short.stderr


def test_an_unknown_selection_is_named(fresh_world):
    data_dir, _ = fresh_world
    run = lifecrm(data_dir, "run", "--select", "key:no/such_asset")
    assert run.returncode == 2
    assert "no/such_asset" in run.stderr
    typo = lifecrm(data_dir, "run", "--select", "grup:ingest")
    assert typo.returncode == 2
    assert "--select 'grup:ingest' is not an asset selection" in typo.stderr
    assert "the groups: " in typo.stderr and "ingest" in typo.stderr
    assert "Traceback" not in typo.stdout + typo.stderr


def one_line_error(done) -> str:
    """The command failed as bad input should: exit 2, one line on stderr, no traceback."""
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_validating_a_batch_never_landed_is_bad_input(fresh_world):
    data_dir, batch_dir = fresh_world
    line = one_line_error(lifecrm(data_dir, "validate", "--batch", "2027-05-05", "--no-dbt"))
    assert "no batch 2027-05-05" in line and f"from {batch_dir.name} to {batch_dir.name}" in line


@pytest.mark.parametrize(
    "command",
    [
        ["backfill", "--from", "2026-01-01", "--to", "2026-01-03"],
        ["validate"],
        ["landing", "status"],
    ],
)
def test_commands_without_a_landing_folder_say_so_once(tmp_path, command):
    line = one_line_error(lifecrm(tmp_path, *command))
    assert "run `lifecrm generate`" in line


@pytest.mark.parametrize("command", [[], ["generate"], ["run"], ["dev"]])
def test_every_command_has_help(tmp_path, command):
    done = lifecrm(tmp_path, *command, "--help")
    assert done.returncode == 0
    assert "usage: lifecrm" in done.stdout


def test_generating_a_different_world_over_a_loaded_one_is_refused(tmp_path):
    assert lifecrm(tmp_path, "generate", "--customers", "300", "--clean").returncode == 0
    assert lifecrm(tmp_path, "generate", "--customers", "300", "--clean").returncode == 0  # same
    other = lifecrm(tmp_path, "generate", "--customers", "400", "--clean")
    assert other.returncode == 2
    assert "already holds a different simulated world (300 customers" in other.stderr
