"""What `lifecrm run` prints is for a person: a line per stage, no colour codes off a terminal,
`--quiet` and `--verbose`, the full log in a file under the data directory, and a summary whose
quarantine figures are raw.row_accounting's."""

from __future__ import annotations

import re

import duckdb
import pytest
from conftest import TWO_EXPORTS, lifecrm

ESCAPE = "\x1b"
LOG_PATH = re.compile(r"the full log: (\S+\.log)$", re.MULTILINE)


def lines(run) -> list[str]:
    return (run.stdout + run.stderr).splitlines()


def log_file(run, data_dir):
    (path,) = LOG_PATH.findall(run.stdout)
    assert path.startswith(str(data_dir / "logs" / "run-")), path
    with open(path, encoding="utf-8") as handle:
        return path, handle.read()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A small world with its planted defects (rows to quarantine), its exports loaded once by
    a default run, then again (nothing new) with --quiet."""
    data = tmp_path_factory.mktemp("output")
    assert lifecrm(data, "generate", "--customers", "300", "--seed", "11").returncode == 0
    default = lifecrm(data, "run", "--select", "group:ingest")
    assert default.returncode == 0, default.stdout[-3000:] + default.stderr[-3000:]
    quiet = lifecrm(data, "run", "--quiet", "--select", "group:ingest")
    assert quiet.returncode == 0, quiet.stdout[-3000:] + quiet.stderr[-3000:]
    return data, default, quiet


def test_the_default_output_is_short_lines_without_colour_codes(world):
    _, default, _ = world
    output = lines(default)
    assert default.stderr.startswith("lifecrm run: loading the pipeline definitions ...\n")
    assert not [line for line in output if ESCAPE in line]
    long = [line for line in output if len(line) > 200]
    assert not long, long
    # one line for the ingest stage (sixteen exports), not one per export or per event
    (ingest,) = [line for line in output if re.match(r"  \[ *\d+ s\] ingest: ", line)]
    assert "16 exports" in ingest and "rows read" in ingest and "quarantined" in ingest
    assert not [line for line in output if " - dagster - " in line]


def test_quiet_prints_the_summary_and_verbose_the_whole_log(world):
    data, default, quiet = world
    assert len(lines(quiet)) < 60
    assert "checks:" in quiet.stdout and LOG_PATH.search(quiet.stdout)
    assert not [line for line in lines(quiet) if re.match(r"  \[ *\d+ s\]", line)]
    assert "The warehouse is" not in quiet.stdout  # the tables and queries are left out
    verbose = lifecrm(data, "run", "--verbose", "--select", TWO_EXPORTS)
    assert verbose.returncode == 0, verbose.stdout[-3000:] + verbose.stderr[-3000:]
    output = lines(verbose)
    assert len(output) > 3 * len(lines(quiet))
    assert [line for line in output if " - dagster - INFO - " in line]
    assert [line for line in output if re.match(r"\d+ of \d+ (START|PASS|OK) ", line)]  # dbt
    assert not [line for line in output if ESCAPE in line]


def test_the_full_log_is_in_a_file_under_the_data_directory(world):
    data, default, quiet = world
    for run in (default, quiet):
        path, text = log_file(run, data)
        assert ESCAPE not in text
        # every Dagster event, debug level included, not only what the console showed
        for event in ("RUN_START", "STEP_START", "ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"):
            assert f" - {event} - " in text, event
        assert "RUN_SUCCESS" in text
        run_id = path.rsplit("run-", 1)[1].removesuffix(".log")
        assert f"Run {run_id}:" in run.stdout
    (steps,) = re.findall(r"run \S+: (\d+) steps", default.stderr)
    assert log_file(default, data)[1].count(" - STEP_START - ") == int(steps)


def test_the_summary_counts_quarantined_rows_as_raw_row_accounting_does(world):
    data, default, _ = world
    con = duckdb.connect(str(data / "warehouse" / "lifecrm.duckdb"), read_only=True)
    try:
        accounting = {
            export: tuple(values)
            for export, *values in con.execute(
                "select export, count(*), sum(rows_read), sum(rows_quarantined), "
                "sum(rows_refused) from raw.row_accounting group by all"
            ).fetchall()
        }
    finally:
        con.close()
    assert sum(q for _, _, q, _ in accounting.values()) > 0, "the world planted no defects"
    table = {}
    for line in default.stdout.splitlines():
        found = re.match(r"  (\w+) +(\d+) +(\d+) +([\d,]+) +([\d,]+) +([\d,]+)$", line)
        if found:
            files, _, read, quarantined, refused = (
                int(g.replace(",", "")) for g in found.groups()[1:]
            )
            table[found[1]] = (files, read, quarantined, refused)
    assert table == accounting
    # and each GX check's warning says the same numbers as the table
    for export, quarantined, read in re.findall(
        r"warning: raw/(\w+): (\d+) of (\d+) rows quarantined", default.stdout
    ):
        assert (table[export][1], table[export][2]) == (int(read), int(quarantined)), export


def test_a_whole_run_has_a_line_per_stage(built_world):
    output = lines(built_world.run)
    assert not [line for line in output if ESCAPE in line]
    long = [line for line in output if len(line) > 200]
    assert not long, long
    stages = {found[1] for line in output if (found := re.match(r"  \[ *\d+ s\] (\w+): ", line))}
    assert {"warehouse", "ingest", "ml", "reports"} <= stages
    assert [line for line in output if line.startswith("  publish: published")]
    assert len(output) < 300  # it was about 1,200
