"""Customer keys nobody can reverse without the key, and a key that cannot change unnoticed.

Every customer key in a built warehouse is the HMAC-SHA256 of the person's national ID under the
world's secret key; no value in any table outside `pii` is the plain or publicly salted sha256
of a landed national ID (such a hash is reversed by hashing the 5×10^8 valid IDs). A warehouse
keyed under one key refuses to be built on under another, and `lifecrm rekey` rebuilds it.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import lifecrm, warehouse_only_selection

from lifecrm import pii_key
from lifecrm.dbt_cli import run_dbt

OLD_PUBLIC_SALT = "lifecrm-development-salt"


def landed_national_ids(data: Path) -> list[str]:
    ids = set()
    for path in (data / "landing").glob("*/customers.csv"):
        with path.open(encoding="utf-8", newline="") as file:
            ids.update(row["national_id"].strip().upper() for row in csv.DictReader(file))
    return sorted(ids - {""})


def reversible_hashes(ids: list[str]) -> set[str]:
    return {hashlib.sha256(i.encode()).hexdigest() for i in ids} | {
        hashlib.sha256((OLD_PUBLIC_SALT + i).encode()).hexdigest() for i in ids
    }


def text_values_outside_pii(con: duckdb.DuckDBPyConnection) -> set[str]:
    columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' and table_schema not in ('pii', 'raw', 'quarantine') "
        "and table_catalog = current_database()"
    ).fetchall()
    values: set[str] = set()
    for schema, table, column in columns:
        values.update(
            row[0]
            for row in con.execute(
                f'select distinct "{column}" from "{schema}"."{table}" '
                f'where length("{column}") = 64'
            ).fetchall()
        )
    return values


def test_customer_keys_are_the_hmac_under_the_worlds_key_and_no_reversible_hash(built_world):
    data = built_world.data_dir
    key = pii_key.resolve(data)
    ids = landed_national_ids(data)
    with built_world.connect() as con:
        keyed = dict(
            con.execute("select national_id, customer_key from pii.pii_customers").fetchall()
        )
        found = text_values_outside_pii(con)
        customers = {
            r[0] for r in con.sql("select customer_key from marts.dim_customer").fetchall()
        }
    assert keyed and all(pii_key.person_key(key, nid) == k for nid, k in keyed.items())
    customers.discard("-1")  # the unknown member
    assert set(keyed.values()) <= customers <= found  # the keys are among the values searched
    assert not found & reversible_hashes(ids)


@pytest.fixture(scope="module")
def keyed_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("keyed")
    generated = lifecrm(data, "generate", "--customers", "300", "--seed", "4", "--clean")
    assert generated.returncode == 0, generated.stderr
    run = lifecrm(data, "run", "--select", warehouse_only_selection())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return data


NEW_KEY = "a-new-key-from-the-secret-store-0123456789"


def test_a_warehouse_refuses_another_key_and_rekey_rebuilds_it_under_the_new_one(
    keyed_world, tmp_path, monkeypatch
):
    data = keyed_world
    monkeypatch.setenv(pii_key.KEY_ENV, NEW_KEY)

    refused = lifecrm(data, "run", "--select", warehouse_only_selection())
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "another key" in refused.stderr and pii_key.KEY_ENV in refused.stderr
    assert "lifecrm rekey" in refused.stderr

    # dbt refuses it too, for runs started elsewhere (the UI, a sensor): on a copy of the file
    copy = tmp_path / "copy"
    shutil.copytree(data / "warehouse", copy / "warehouse", ignore=shutil.ignore_patterns("par*"))
    dbt = run_dbt(["run", "--select", "pii_key_check"], data_dir=copy, artefacts=tmp_path / "dbt")
    assert dbt.returncode != 0
    assert "pseudonymised with another key" in dbt.stdout

    rekeyed = lifecrm(data, "rekey", "--select", warehouse_only_selection())
    assert rekeyed.returncode == 0, rekeyed.stdout[-3000:] + rekeyed.stderr[-3000:]
    kept = list((data / "warehouse").glob("lifecrm.before-rekey-*.duckdb"))
    assert len(kept) == 1
    with duckdb.connect(str(data / "warehouse" / "lifecrm.duckdb"), read_only=True) as con:
        keyed = con.execute("select national_id, customer_key from pii.pii_customers").fetchall()
        facts = con.execute(
            "select count(*), count(*) filter (where customer_key in "
            "(select customer_key from pii.pii_customers)) from marts.fct_premium_payments"
        ).fetchone()
    assert keyed and all(pii_key.person_key(NEW_KEY.encode(), n) == k for n, k in keyed)
    assert facts[0] > 0 and facts[0] == facts[1]  # the incremental fact too, under the new key

    monkeypatch.delenv(pii_key.KEY_ENV)  # the old key (the world's key file) is now refused
    assert lifecrm(data, "run", "--select", "group:ingest").returncode == 2
