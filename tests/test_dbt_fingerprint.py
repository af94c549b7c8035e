"""A run parses the dbt project again exactly when something dbt parses has changed."""

from __future__ import annotations

import shutil

from lifecrm import dbt_fingerprint
from lifecrm.settings import PROJECT_ROOT


def copy_of_the_project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(PROJECT_ROOT / "dbt_project.yml", project)
    for folder in ("models", "seeds", "dbt"):
        shutil.copytree(PROJECT_ROOT / folder, project / folder)
    return project


def test_the_fingerprint_changes_with_a_model_an_env_var_read_or_the_target(tmp_path, monkeypatch):
    project = copy_of_the_project(tmp_path)
    profiles = project / "dbt"
    monkeypatch.setenv("LIFECRM_PII_SPARK_IPAD", "one")
    first = dbt_fingerprint.fingerprint(project, profiles, "duckdb")
    assert dbt_fingerprint.fingerprint(project, profiles, "duckdb") == first
    monkeypatch.setenv("LIFECRM_UNREAD_BY_DBT", "anything")  # no dbt file reads it
    assert dbt_fingerprint.fingerprint(project, profiles, "duckdb") == first

    assert dbt_fingerprint.fingerprint(project, profiles, "spark") != first
    monkeypatch.setenv("LIFECRM_PII_SPARK_IPAD", "two")  # dbt/profiles.yml reads it
    assert dbt_fingerprint.fingerprint(project, profiles, "duckdb") != first
    monkeypatch.setenv("LIFECRM_PII_SPARK_IPAD", "one")

    model = project / "models" / "marts" / "core" / "dim_policy.sql"
    model.write_text(model.read_text() + "\n-- an edit\n")
    edited = dbt_fingerprint.fingerprint(project, profiles, "duckdb")
    assert edited != first
    (project / "models" / "marts" / "core" / "new_model.sql").write_text("select 1 as one\n")
    assert dbt_fingerprint.fingerprint(project, profiles, "duckdb") not in (first, edited)


def test_a_manifest_is_current_only_beside_its_own_fingerprint(tmp_path):
    manifest = tmp_path / "manifest.json"
    assert not dbt_fingerprint.is_current(manifest, "abc")
    manifest.write_text("{}")
    assert not dbt_fingerprint.is_current(manifest, "abc")  # parsed before fingerprints
    dbt_fingerprint.record(manifest, "abc")
    assert dbt_fingerprint.is_current(manifest, "abc")
    assert not dbt_fingerprint.is_current(manifest, "abd")
