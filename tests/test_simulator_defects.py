"""The planted defects: each one is where its truth says, is what its kind says, and nothing else
changes; clean rates change nothing; the same seed plants the same defects."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields
from datetime import date

import numpy as np
import pyarrow as pa
import pytest
from conftest import national_id_is_valid

from simulator.contract import EXPORTS
from simulator.defects import (
    AMOUNT_TARGETS,
    DATE_PAIRS,
    DEFECT_KINDS,
    DefectRates,
    encode_big5,
    plant_row_defects,
    rename_column,
    to_full_width,
    to_roc_date,
    truncate_last_line,
)
from simulator.defects_text import duplicate_customer_ids
from simulator.national_id import make_national_ids

BATCH = date(2025, 12, 31)
RNG = np.random.default_rng
ROWS = 300
NAMES = ("customers", "policies", "premium_payments", "claims", "agents", "interactions")
ROW_KINDS = [f.name for f in fields(DefectRates)]
ROC = re.compile(r"^(\d{2,3})/(\d{2})/(\d{2})$|^(\d{2,3})(\d{2})(\d{2})$")


def _dates(rng: np.random.Generator, lo: str, hi: str, n: int) -> np.ndarray:
    span = (np.datetime64(hi) - np.datetime64(lo)).astype(int)
    return np.datetime64(lo) + rng.integers(0, span, n)


def _column(rng, export, column, n, customer_ids, policy_numbers, agent_ids) -> list[str]:
    name = column.name
    if name in export.key:
        return [f"{name[:2].upper()}{i:08d}" for i in range(n)]
    special = {
        "customer_id": customer_ids, "owner_customer_id": customer_ids,
        "insured_customer_id": customer_ids, "policy_number": policy_numbers,
        "agent_id": agent_ids,
    }  # fmt: skip
    if name in special:
        return rng.choice(special[name], n).tolist()
    if name == "national_id":
        return make_national_ids(11, np.arange(n), rng.random(n) < 0.5).tolist()
    if name == "phone":
        return [f"09{x:08d}" for x in rng.integers(0, 10**8, n)]
    if column.type == "code":
        return rng.choice(column.codes, n).tolist()
    if column.type == "date":
        lo = "1940-01-01" if name == "birth_date" else "2010-01-01"
        return _dates(rng, lo, "2025-06-30", n).astype(str).tolist()
    if column.type in ("amount", "integer"):
        return rng.integers(1, 500_000, n).astype(str).tolist()
    if column.type == "flag":
        return rng.integers(0, 2, n).astype(str).tolist()
    if column.type == "score":
        return np.round(rng.random(n), 3).astype(str).tolist()
    words = np.array(["陳小明", "台北市", "信義路五段7號, 3樓", "王美玲", 'note, with "quotes"'])
    return rng.choice(words, n).tolist()


def clean_tables(seed: int = 3) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    customer_ids = [f"C{i:08d}" for i in range(ROWS)]
    policy_numbers = [f"P{i:010d}" for i in range(ROWS)]
    agent_ids = [f"A{i:06d}" for i in range(ROWS)]
    keys = {"customers": customer_ids, "policies": policy_numbers, "agents": agent_ids}
    tables = {}
    for name in NAMES:
        export = EXPORTS[name]
        data = {}
        for column in export.columns:
            values = _column(rng, export, column, ROWS, customer_ids, policy_numbers, agent_ids)
            if column.name in export.key and name in keys:
                values = keys[name]
            if not column.required and column.type != "date":
                values = [
                    v if keep else ""
                    for v, keep in zip(values, rng.random(ROWS) < 0.7, strict=True)
                ]
            data[column.name] = values
        # Optional dates fall within 200 days after the row's first (required) date.
        first = next(c.name for c in export.columns if c.type == "date" and c.required)
        for column in export.columns:
            if column.type == "date" and not column.required:
                later = np.array(data[first], "datetime64[D]") + rng.integers(0, 200, ROWS)
                later = np.minimum(later, np.datetime64(BATCH)).astype(str)
                data[column.name] = np.where(rng.random(ROWS) < 0.6, later, "").tolist()
        tables[name] = pa.table({k: pa.array(v, pa.string()) for k, v in data.items()})
    return tables


HIGH = DefectRates(**{kind: 0.03 for kind in ROW_KINDS})


@pytest.fixture(scope="module")
def planted():
    clean = clean_tables()
    tables, defects = plant_row_defects(clean, HIGH, np.random.default_rng(7), BATCH)
    return clean, tables, defects


def rows_of(table: pa.Table) -> list[tuple[str, ...]]:
    return list(zip(*[table[c].to_pylist() for c in table.column_names], strict=True))


def aligned(clean, tables, defects, name):
    """The planted table's rows without the copies, and the clean rows they came from."""
    copies = ("exact_duplicate", "duplicate_person")
    extra = {d.row for d in defects if d.export == name and d.kind in copies}
    rows = rows_of(tables[name])
    kept = [i for i in range(len(rows)) if i not in extra]
    assert len(kept) == clean[name].num_rows
    return dict(zip(kept, range(len(kept)), strict=True)), rows, rows_of(clean[name])


def original_of(defect) -> str:
    return re.search(r"customer_id (C\d{8})", defect.detail).group(1)


def test_helpers_write_full_width_and_roc_dates():
    assert to_full_width("agent") == "ａｇｅｎｔ"
    assert to_full_width("unit_manager") == "ｕｎｉｔ＿ｍａｎａｇｅｒ"
    assert unicodedata.normalize("NFKC", to_full_width("semi_annual")) == "semi_annual"
    assert to_roc_date("2023-05-03", compact=False) == "112/05/03"
    assert to_roc_date("2023-05-03", compact=True) == "1120503"
    assert to_roc_date("2005-11-30", compact=True) == "941130"
    assert set(DEFECT_KINDS) >= set(ROW_KINDS)


def test_every_defect_holds_its_planted_change(planted):
    clean, tables, defects = planted
    assert {d.kind for d in defects} == set(ROW_KINDS)
    assert all(d.repairable == DEFECT_KINDS[d.kind] for d in defects)
    roc_forms = set()
    for name in NAMES:
        export = EXPORTS[name]
        to_clean, rows, clean_rows = aligned(clean, tables, defects, name)
        columns = tables[name].column_names
        ours = [d for d in defects if d.export == name]
        assert len({d.row for d in ours}) == len(ours), "a row carries one defect at most"
        for d in ours:
            assert d.column not in export.key
            value = rows[d.row][columns.index(d.column)] if d.column else None
            if d.kind == "exact_duplicate":
                assert rows[d.row] == rows[d.row - 1]
                assert d.row - 1 in to_clean
                continue
            if d.kind == "duplicate_person":
                continue  # checked on its own below
            was = clean_rows[to_clean[d.row]][columns.index(d.column)]
            column = export.column(d.column)
            assert value != was and was != ""
            if d.kind == "missing_required":
                assert value == "" and column.required
            elif d.kind == "bad_check_digit":
                assert (
                    d.column == "national_id"
                    and national_id_is_valid(was)
                    and not national_id_is_valid(value)
                )
                assert value[:9] == was[:9]
            elif d.kind == "unknown_code":
                assert column.type == "code" and value.strip() not in column.codes
                assert unicodedata.normalize("NFKC", value).lower() not in column.codes
            elif d.kind == "non_positive_amount":
                assert d.column in AMOUNT_TARGETS[name] and float(value) <= 0
            elif d.kind == "future_date":
                assert column.type == "date" and date.fromisoformat(value) > BATCH
            elif d.kind == "end_before_start":
                start, end = DATE_PAIRS[name]
                assert d.column == end
                assert value < rows[d.row][columns.index(start)] <= was
            elif d.kind == "roc_date":
                match = ROC.match(value)
                assert match and column.type == "date"
                y, m, dd = [g for g in match.groups() if g is not None]
                assert date(int(y) + 1911, int(m), int(dd)) == date.fromisoformat(was)
                roc_forms.add("/" in value)
            elif d.kind == "full_width_code":
                assert column.type == "code" and not value.isascii()
                assert unicodedata.normalize("NFKC", value) == was and was in column.codes
            elif d.kind == "stray_whitespace":
                assert column.type in ("code", "text") and value.strip(" \t") == was
            else:
                pytest.fail(f"unexpected kind {d.kind}")
    assert roc_forms == {True, False}, "both ROC date forms occur"


def test_rows_without_a_defect_are_unchanged(planted):
    clean, tables, defects = planted
    moved = {}  # new customer_id -> the original's, for the policies that moved
    for d in defects:
        if d.kind == "duplicate_person":
            moved[tables["customers"]["customer_id"][d.row].as_py()] = original_of(d)
    for name in NAMES:
        to_clean, rows, clean_rows = aligned(clean, tables, defects, name)
        columns = tables[name].column_names
        spoiled = {(d.row, d.column) for d in defects if d.export == name}
        for i, row in to_clean.items():
            for j, column in enumerate(columns):
                if (i, column) in spoiled:
                    continue
                value, was = rows[i][j], clean_rows[row][j]
                if name == "policies" and column == "owner_customer_id" and value != was:
                    assert moved[value] == was
                else:
                    assert value == was, (name, i, column)


def test_duplicate_people_share_the_national_id_and_own_moved_policies(planted):
    clean, tables, defects = planted
    customers = tables["customers"].to_pylist()
    people = [d for d in defects if d.kind == "duplicate_person"]
    assert people and all(d.export == "customers" for d in people)
    copies = {d.row for d in defects if d.export == "customers" and d.kind == "exact_duplicate"}
    ids = [c["customer_id"] for i, c in enumerate(customers) if i not in copies]
    assert len(set(ids)) == len(ids)
    owners = tables["policies"]["owner_customer_id"].to_pylist()
    for d in people:
        copy = customers[d.row]
        original_id = original_of(d)
        assert copy["customer_id"] != original_id
        (original,) = [c for c in customers if c["customer_id"] == original_id]
        for same in ("national_id", "customer_name", "birth_date", "gender", "address_line"):
            assert copy[same] == original[same]
        assert copy["customer_id"] in owners, "some of the person's policies moved to the new ID"
        assert d.row >= clean["customers"].num_rows


def test_a_person_gets_the_same_second_id_whatever_the_draw():
    existing = pa.array(["C00000072", "C00000073", "C50000073"])
    first = duplicate_customer_ids(np.array(["C00000072", "C00000073"]), existing, RNG(1))
    again = duplicate_customer_ids(np.array(["C00000072", "C00000073"]), existing, RNG(2))
    assert first[0] == again[0] == "C50000072"
    assert first[1] not in existing.to_pylist() and re.fullmatch(r"C\d{8}", first[1])


def test_at_least_one_of_each_applicable_kind_at_tiny_rates():
    clean = clean_tables()
    tiny = DefectRates(**{kind: 1e-9 for kind in ROW_KINDS})
    _, defects = plant_row_defects(clean, tiny, np.random.default_rng(1), BATCH)
    kinds = {name: {d.kind for d in defects if d.export == name} for name in NAMES}
    everywhere = {"exact_duplicate", "missing_required", "unknown_code", "future_date",
                  "roc_date", "full_width_code", "stray_whitespace"}  # fmt: skip
    assert kinds["customers"] == everywhere | {"duplicate_person", "bad_check_digit"}
    assert kinds["policies"] == everywhere | {"non_positive_amount"}
    assert kinds["premium_payments"] == everywhere | {"non_positive_amount"}
    assert kinds["claims"] == everywhere | {"non_positive_amount", "end_before_start"}
    assert kinds["agents"] == everywhere | {"end_before_start"}
    assert kinds["interactions"] == everywhere | {"end_before_start"}


def test_clean_rates_change_nothing():
    clean = clean_tables()
    tables, defects = plant_row_defects(clean, DefectRates.none(), np.random.default_rng(7), BATCH)
    assert defects == []
    assert all(tables[name].equals(clean[name]) for name in NAMES)


def test_the_same_seed_plants_the_same_defects():
    first = plant_row_defects(clean_tables(), HIGH, np.random.default_rng(5), BATCH)
    second = plant_row_defects(clean_tables(), HIGH, np.random.default_rng(5), BATCH)
    other = plant_row_defects(clean_tables(), HIGH, np.random.default_rng(6), BATCH)
    assert first[1] == second[1] and first[1] != other[1]
    assert all(first[0][name].equals(second[0][name]) for name in NAMES)


def test_planted_agents_still_encode_in_big5(planted):
    _, tables, _ = planted
    for row in rows_of(tables["agents"]):
        ",".join(row).encode("cp950", errors="strict")


def test_encode_big5_gives_a_cp950_file_of_the_same_text(tmp_path):
    path = tmp_path / "customers.csv"
    text = (
        'customer_id,customer_name,city\nC00000001,陳小明,台北市\nC00000002,"王, 美玲",ａｇｅｎｔ\n'
    )
    path.write_text(text, encoding="utf-8")
    (defect,) = encode_big5(path, "customers")
    assert (defect.row, defect.column, defect.kind, defect.repairable) == (
        -1, "", "big5_encoding", True,
    )  # fmt: skip
    assert path.read_bytes().decode("cp950") == text
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")


def test_truncate_last_line_cuts_the_last_record(tmp_path):
    path = tmp_path / "policies.csv"
    lines = ["policy_number,channel", "P0000000001,agent", "P0000000002,bancassurance"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (defect,) = truncate_last_line(path, "policies", rows=2)
    assert (defect.row, defect.kind, defect.repairable) == (1, "truncated_last_line", False)
    text = path.read_text(encoding="utf-8")
    assert not text.endswith("\n")
    got = text.split("\n")
    assert got[:2] == lines[:2] and len(got) == 3
    assert 0 < len(got[2]) < len(lines[2]) and lines[2].startswith(got[2])


def test_rename_column_reports_the_drift():
    table = clean_tables()["agents"]
    renamed, (defect,) = rename_column(table, "agents", "rank", "agent_rank")
    assert "agent_rank" in renamed.column_names and "rank" not in renamed.column_names
    assert renamed["agent_rank"].equals(table["rank"])
    assert (defect.row, defect.column, defect.kind, defect.detail) == (
        -1, "rank", "renamed_column", "agent_rank",
    )  # fmt: skip
