"""The simulated insurer: deterministic, true to its contract, consistent day to day."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import national_id_is_valid

from simulator import DefectRates, WorldConfig, generate_next_day, generate_world
from simulator.contract import EXPORTS
from simulator.national_id import make_national_ids

SMALL = WorldConfig(customers=600, seed=11)


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def clean_world(tmp_path_factory) -> Path:
    """A clean world with two daily batches after its initial extract."""
    data = tmp_path_factory.mktemp("clean")
    generate_world(SMALL, data, rates=DefectRates.none())
    generate_next_day(data)
    generate_next_day(data)
    return data


@pytest.fixture(scope="module")
def defective_world(tmp_path_factory) -> Path:
    """A world with the default planted defects and its first daily batch."""
    data = tmp_path_factory.mktemp("defective")
    generate_world(WorldConfig(customers=3000, seed=5), data)
    generate_next_day(data)
    return data


def test_the_checker_knows_a_published_valid_id():
    assert national_id_is_valid("A123456789")
    assert not national_id_is_valid("A123456788")


def test_generated_national_ids_are_valid_and_carry_the_gender():
    is_male = np.array([True, False] * 500)
    ids = make_national_ids(0, np.arange(len(is_male)), is_male)
    assert all(national_id_is_valid(x) for x in ids)
    assert all((x[1] == "1") == male for x, male in zip(ids, is_male, strict=True))


def test_the_same_arguments_give_byte_identical_files(tmp_path, clean_world):
    generate_world(SMALL, tmp_path, rates=DefectRates.none())
    generate_next_day(tmp_path)
    generate_next_day(tmp_path)
    assert digests(tmp_path) == digests(clean_world)
    other = tmp_path / "other"
    generate_world(WorldConfig(customers=600, seed=12), other, rates=DefectRates.none())
    assert digests(other / "landing") != digests(clean_world / "landing")


def test_batches_are_dated_folders_with_truthful_manifests(clean_world):
    batches = sorted((clean_world / "landing").iterdir())
    assert [b.name for b in batches] == ["2025-12-31", "2026-01-01", "2026-01-02"]
    for batch in batches:
        manifest = json.loads((batch / "manifest.json").read_text())
        assert manifest["kind"] == ("full" if batch.name == "2025-12-31" else "delta")
        for entry in manifest["files"]:
            path = batch / entry["file"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
            with path.open(newline="", encoding="utf-8") as handle:
                assert sum(1 for _ in csv.reader(handle)) - 1 == entry["rows"]
    initial = json.loads((batches[0] / "manifest.json").read_text())
    assert {e["file"] for e in initial["files"]} == {f"{name}.csv" for name in EXPORTS}


def test_every_clean_file_conforms_to_the_contract(clean_world):
    con = duckdb.connect()
    for batch in sorted((clean_world / "landing").iterdir()):
        for path in sorted(batch.glob("*.csv")):
            export = EXPORTS[path.stem]
            rel = con.sql(f"select * from read_csv('{path}', all_varchar = true, header = true)")
            assert rel.columns == export.names(), path
            for column in export.columns:
                values = f'"{column.name}"'
                if column.required:
                    empty = con.sql(f"select count(*) from rel where {values} is null").fetchall()[
                        0
                    ][0]
                    assert empty == 0, f"{path.name}: {column.name} is required"
                if column.codes:
                    bad = con.sql(
                        f"select distinct {values} from rel where {values} is not null "
                        f"and {values} not in ({', '.join(repr(c) for c in column.codes)})"
                    ).fetchall()
                    assert not bad, f"{path.name}: {column.name} outside its code list: {bad}"
                if column.type == "date":
                    bad = con.sql(
                        f"select count(*) from rel where {values} is not null "
                        f"and try_cast({values} as date) is null"
                    ).fetchall()[0][0]
                    assert bad == 0, f"{path.name}: {column.name} holds non-ISO dates"
            keys = ", ".join(export.key)
            dupes = con.sql(f"select count(*) - count(distinct ({keys})) from rel").fetchall()[0][0]
            assert dupes == 0, f"{path.name}: duplicate keys"
    ids = con.sql(
        f"select national_id from read_csv('{clean_world}/landing/2025-12-31/customers.csv', "
        "all_varchar = true)"
    ).fetchall()
    assert all(national_id_is_valid(row[0]) for row in ids)


def _all_batches(world: Path, export: str) -> str:
    return f"read_csv('{world}/landing/*/{export}.csv', all_varchar = true, filename = true)"


def test_daily_batches_are_consistent_with_history(clean_world):
    con = duckdb.connect()
    policies = _all_batches(clean_world, "policies")
    events = _all_batches(clean_world, "policy_events")
    payments = _all_batches(clean_world, "premium_payments")
    # ids are stable: a policy delivered again carries the same owner and issue date
    changed = con.sql(
        f"select policy_number from {policies} group by 1 "
        "having count(distinct owner_customer_id) > 1 or count(distinct issue_date) > 1"
    ).fetchall()
    assert changed == []
    # no event before its policy's issue date
    early = con.sql(
        f"select count(*) from {events} e join {policies} p using (policy_number) "
        "where cast(e.event_date as date) < cast(p.issue_date as date)"
    ).fetchall()[0][0]
    assert early == 0
    # no premium falls due after a policy has ended (unless it was reinstated)
    after_end = con.sql(
        f"""
        with ends as (
            select policy_number, min(cast(event_date as date)) as ended
            from {events}
            where event_type in ('surrendered', 'matured', 'death_claim', 'free_look_cancellation')
            group by 1
        )
        select count(*) from {payments} pay join ends using (policy_number)
        where cast(pay.due_date as date) > ended
        """
    ).fetchall()[0][0]
    assert after_end == 0
    # a daily batch holds only what happened that day
    stray = con.sql(
        f"select count(*) from {payments} where filename like '%2026-01-01%' "
        "and due_date != '2026-01-01' and coalesce(paid_date, '') != '2026-01-01'"
    ).fetchall()[0][0]
    assert stray == 0
    delivered = con.sql(f"select count(*) from {payments} where filename like '%2026-01-01%'")
    assert delivered.fetchall()[0][0] > 0


def test_next_day_refuses_to_run_past_the_simulated_horizon(tmp_path):
    with pytest.raises(ValueError, match="generate a world first"):
        generate_next_day(tmp_path)


def test_every_defect_kind_is_planted_and_listed(defective_world):
    from simulator.defects import DEFECT_KINDS

    with (defective_world / "truth" / "defects.csv").open(newline="", encoding="utf-8") as f:
        defects = list(csv.DictReader(f))
    assert {d["kind"] for d in defects} == set(DEFECT_KINDS)
    for d in defects:
        assert (d["repairable"] == "True") == DEFECT_KINDS[d["kind"]]
    by_kind = {}
    for d in defects:
        by_kind.setdefault(d["kind"], d)
    assert by_kind["renamed_column"]["file"].startswith("landing/2026-01-01/")
    agents = (defective_world / by_kind["big5_encoding"]["file"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        agents.decode("utf-8")
    assert "agent_name" in agents.decode("cp950")


@pytest.mark.parametrize(
    "kind", ["roc_date", "bad_check_digit", "full_width_code", "missing_required"]
)
def test_a_listed_defect_is_where_the_truth_says(defective_world, kind):
    with (defective_world / "truth" / "defects.csv").open(newline="", encoding="utf-8") as f:
        listed = [d for d in csv.DictReader(f) if d["kind"] == kind][:5]
    assert listed
    for defect in listed:
        path = defective_world / defect["file"]
        with path.open(newline="", encoding="utf-8", errors="replace") as handle:
            reader = csv.DictReader(handle)
            row = next(r for r in reader if reader.line_num >= int(defect["line"]))
        value = row[defect["column"]]
        if kind == "roc_date":
            assert re.fullmatch(r"\d{2,3}/\d{2}/\d{2}|\d{6,7}", value), value
        elif kind == "bad_check_digit":
            assert not national_id_is_valid(value)
        elif kind == "full_width_code":
            assert any(ord(ch) > 0xFF00 for ch in value)
        else:
            assert value == ""


def test_calibration_is_recorded_with_the_world(clean_world):
    world = json.loads((clean_world / "truth" / "world.json").read_text())
    assert world["config"]["customers"] == 600
    assert 0.0 < world["parameters"]["base_lapse_hazard"] < 0.1
    assert date.fromisoformat(world["config"]["end"]) == SMALL.end


def test_the_contract_document_is_generated_from_the_contract():
    from simulator.contract_doc import render

    committed = (Path(__file__).parent.parent / "docs" / "export-contract.md").read_text()
    assert committed == render(), "run: python -m simulator.contract_doc > docs/export-contract.md"


def test_every_policy_is_sold_by_a_delivered_agent_in_post_where_one_was(clean_world):
    """A policy's servicing agent is one the agency export delivers, and was in post on the
    issue date whenever any agent was: no policy points at an agent hired after the extract."""
    batch = clean_world / "landing" / "2025-12-31"
    con = duckdb.connect()
    policies, unknown, not_in_post, avoidable = con.execute(
        f"""
        with agents as (
            select agent_id, cast(hire_date as date) as hired,
                   cast(termination_date as date) as left_on
            from read_csv('{batch}/agents.csv', all_varchar = true)  -- clean: UTF-8
        ),
        policies as (
            select agent_id, cast(issue_date as date) as issued
            from read_csv('{batch}/policies.csv', all_varchar = true)
        ),
        judged as (
            select policies.*, agents.agent_id is null as unknown,
                   coalesce(not (agents.hired <= issued
                                 and (agents.left_on is null or agents.left_on > issued)), true)
                       as not_in_post,
                   exists (select 1 from agents as other where other.hired <= issued
                           and (other.left_on is null or other.left_on > issued)) as any_in_post
            from policies left join agents using (agent_id)
        )
        select count(*), count(*) filter (where unknown), count(*) filter (where not_in_post),
               count(*) filter (where not_in_post and any_in_post)
        from judged
        """
    ).fetchall()[0]
    assert policies > 0 and unknown == 0
    assert avoidable == 0, (policies, not_in_post, avoidable)
