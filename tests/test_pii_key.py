"""Where the pseudonymisation key comes from, and that DuckDB's HMAC is the standard one."""

from __future__ import annotations

import hashlib
import hmac
import stat

import duckdb
import pytest

from lifecrm import pii_key
from lifecrm.dbt_pii_plugin import INNER_VARIABLE, OUTER_VARIABLE, Plugin

A_KEY = "k" * 40


def test_the_environment_variable_is_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv(pii_key.KEY_ENV, A_KEY)
    assert pii_key.resolve(tmp_path) == A_KEY.encode()


@pytest.mark.parametrize(
    ("value", "rule"),
    [("short-secret", "at least 32"), ("lifecrm-development-salt", "published with lifecrm")],
)
def test_a_weak_or_public_key_is_refused(tmp_path, monkeypatch, value, rule):
    monkeypatch.setenv(pii_key.KEY_ENV, value)
    with pytest.raises(pii_key.PiiKeyError, match=rule) as refused:
        pii_key.resolve(tmp_path)
    assert pii_key.KEY_ENV in str(refused.value)


def test_without_a_key_nothing_is_pseudonymised_and_the_error_names_the_variable(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(pii_key.KEY_ENV, raising=False)
    with pytest.raises(pii_key.PiiKeyError, match=f"{pii_key.KEY_ENV} is not set"):
        pii_key.resolve(tmp_path)


def test_a_simulated_world_gets_a_random_key_of_its_own_readable_by_its_owner_only(
    tmp_path, monkeypatch
):
    monkeypatch.delenv(pii_key.KEY_ENV, raising=False)
    path = pii_key.create_simulated_world_key(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    key = pii_key.resolve(tmp_path)
    pii_key.create_simulated_world_key(tmp_path / "another world")
    assert len(key) == 64 and key != pii_key.resolve(tmp_path / "another world")
    assert pii_key.create_simulated_world_key(tmp_path) == path  # kept: its warehouse uses it
    assert pii_key.resolve(tmp_path) == key
    path.chmod(0o644)
    with pytest.raises(pii_key.PiiKeyError, match="can be read by others"):
        pii_key.resolve(tmp_path)


@pytest.mark.parametrize("key", [b"k" * 40, b"x" * 64, b"long" * 40])
def test_the_pads_give_the_standard_hmac(key):
    inner, outer = pii_key.pads(key)
    message = b"A123456789"
    by_pads = hashlib.sha256(outer + hashlib.sha256(inner + message).digest()).hexdigest()
    assert by_pads == hmac.new(key, message, hashlib.sha256).hexdigest()
    assert pii_key.person_key(key, "A123456789") == by_pads


def test_duckdb_computes_the_hmac_from_the_plugins_session_variables(tmp_path, monkeypatch):
    """What dbt/macros/pseudonymise.sql compiles to on DuckDB, on a cursor the plugin set up."""
    monkeypatch.setenv(pii_key.KEY_ENV, A_KEY)
    monkeypatch.setenv("LIFECRM_DATA_DIR", str(tmp_path))
    cursor = duckdb.connect().cursor()
    Plugin(name="pii", plugin_config={}).configure_cursor(cursor)
    ids = ["A123456789", "F231234567", "Z199999999"]
    got = cursor.execute(
        f"select sha256(getvariable('{OUTER_VARIABLE}') || "
        f"unhex(sha256(getvariable('{INNER_VARIABLE}') || encode(id)))) "
        "from unnest(?) as t(id)",
        [ids],
    ).fetchall()
    assert [row[0] for row in got] == [pii_key.person_key(A_KEY.encode(), i) for i in ids]
