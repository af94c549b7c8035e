"""One national ID is one person: the warehouse merges a person's customer numbers by it, and
flags the ID when what arrives under it cannot be one person (issue 18, item 3).

A small clean world is generated, and its customer file is then delivered as a source system
with a data-entry error would deliver it: one customer carries another's national ID (another
birth date, another gender), and one customer's gender contradicts their own ID's gender digit.
The manifest describes the file as delivered. The warehouse is built by `lifecrm run`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import duckdb
import pytest
from conftest import lifecrm, warehouse_only_selection


def _deliver_with_identity_errors(batch: Path) -> dict[str, str]:
    """Rewrite customers.csv with the errors; returns which customer number plays which part."""
    path = batch / "customers.csv"
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    owner = body[0]
    other = next(
        r
        for r in body[1:]
        if r[col["gender"]] != owner[col["gender"]]
        and r[col["birth_date"]] != owner[col["birth_date"]]
    )
    other[col["national_id"]] = owner[col["national_id"]]  # another person under owner's ID
    flipped = next(r for r in body[1:] if r is not other)
    flipped[col["gender"]] = "F" if flipped[col["gender"]] == "M" else "M"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    data = out.getvalue().encode("utf-8")
    path.write_bytes(data)
    manifest_path = batch / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["file"] == "customers.csv":
            entry["bytes"] = len(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return {
        "owner": owner[col["customer_id"]],
        "other": other[col["customer_id"]],
        "flipped": flipped[col["customer_id"]],
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    data = tmp_path_factory.mktemp("identity")
    generated = lifecrm(data, "generate", "--customers", "400", "--seed", "3", "--clean")
    assert generated.returncode == 0, generated.stderr
    (batch,) = sorted((data / "landing").iterdir())
    parts = _deliver_with_identity_errors(batch)
    run = lifecrm(data, "run", "--select", warehouse_only_selection())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return duckdb.connect(str(data / "warehouse" / "lifecrm.duckdb"), read_only=True), parts


def _flags(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[bool, int]]:
    rows = con.execute(
        f"""
        select pii.customer_id, t.has_conflicting_identity, t.customer_number_count
        from {table} as t
        inner join pii.pii_customers as pii on t.customer_key = pii.customer_key
        """
        + (" where t.is_current" if table.endswith("dim_customer") else "")
    ).fetchall()
    return {customer: (flag, count) for customer, flag, count in rows}


@pytest.mark.parametrize("table", ["intermediate.int_customers__persons", "marts.dim_customer"])
def test_a_national_id_delivered_for_two_people_is_flagged(warehouse, table):
    con, parts = warehouse
    flags = _flags(con, table)
    # still one person (the ID is the key), but not silently: the person is flagged
    assert flags[parts["owner"]] == (True, 2) and flags[parts["other"]] == (True, 2)
    assert flags[parts["flipped"]] == (True, 1)
    flagged = {c for c, (flag, _) in flags.items() if flag}
    assert flagged == {parts["owner"], parts["other"], parts["flipped"]}
