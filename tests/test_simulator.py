"""The first simulator: valid identifiers, deterministic output, manifests that tell the truth."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import numpy as np
import pytest

from simulator import WorldConfig, generate_world
from simulator.national_id import make_national_ids

# Taiwan's published letter codes, written out independently of the simulator's table.
LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"


def national_id_is_valid(text: str) -> bool:
    if len(text) != 10 or text[0] not in LETTERS or not text[1:].isdigit():
        return False
    code = LETTERS.index(text[0]) + 10
    digits = [code // 10, code % 10, *map(int, text[1:])]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def test_the_checker_knows_a_published_valid_id():
    assert national_id_is_valid("A123456789")
    assert not national_id_is_valid("A123456788")


def test_generated_national_ids_are_valid_and_carry_the_gender():
    is_male = np.array([True, False] * 500)
    ids = make_national_ids(np.random.default_rng(0), is_male)
    assert all(national_id_is_valid(x) for x in ids)
    assert all((x[1] == "1") == male for x, male in zip(ids, is_male, strict=True))


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_same_arguments_give_byte_identical_exports(tmp_path):
    config = WorldConfig(customers=300, seed=11)
    first = generate_world(config, tmp_path / "a")
    second = generate_world(config, tmp_path / "b")
    other = generate_world(WorldConfig(customers=300, seed=12), tmp_path / "c")
    assert _digests(first) == _digests(second)
    assert _digests(first) != _digests(other)


def test_the_manifest_lists_every_file_with_its_rows_and_checksum(tmp_path):
    batch = generate_world(WorldConfig(customers=300, seed=5), tmp_path)
    assert batch.name == "2025-12-31"
    manifest = json.loads((batch / "manifest.json").read_text())
    listed = {entry["file"] for entry in manifest["files"]}
    assert listed == {"customers.csv", "agents.csv", "policies.csv", "premium_payments.csv"}
    for entry in manifest["files"]:
        path = batch / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert path.read_text(encoding="utf-8").count("\n") - 1 == entry["rows"]
    customers = next(e for e in manifest["files"] if e["file"] == "customers.csv")
    assert customers["rows"] == 300


def test_a_world_needs_enough_history():
    with pytest.raises(ValueError, match="at least 400 days"):
        WorldConfig(start=date(2025, 1, 1), end=date(2025, 6, 1))
