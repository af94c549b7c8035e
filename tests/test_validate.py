"""`lifecrm validate`: gates a batch in CI with a JUnit report, publishing nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from conftest import lifecrm


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    data = tmp_path_factory.mktemp("validate")
    assert lifecrm(data, "generate", "--customers", "800", "--seed", "13").returncode == 0
    assert lifecrm(data, "generate", "--next-day").returncode == 0
    return data


def failures(report) -> list[str]:
    root = ET.parse(report).getroot()
    return [f.get("message") for f in root.iter("failure")]


def test_a_good_batch_passes_with_a_report_and_publishes_nothing(world):
    report = world / "initial.xml"
    done = lifecrm(world, "validate", "--batch", "2025-12-31", "--junit", str(report))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert failures(report) == []
    suites = {s.get("name") for s in ET.parse(report).getroot().iter("testsuite")}
    assert {"exports.customers", "exports.premium_payments", "dbt"} <= suites
    assert "ok    exports.customers" in done.stdout
    assert not (world / "warehouse" / "lifecrm.duckdb").exists()


def test_a_bad_batch_fails_naming_the_file_and_column(world):
    report = world / "next.xml"
    done = lifecrm(world, "validate", "--batch", "2026-01-01", "--junit", str(report), "--no-dbt")
    assert done.returncode == 1
    messages = failures(report)
    assert any(
        "2026-01-01/premium_payments.csv: required column(s) amount_paid_twd missing" in m
        for m in messages
    ), messages
    assert "FAIL  exports.premium_payments" in done.stdout
