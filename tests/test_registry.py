"""The model registry records every model, promotes only those that meet the floor, and scores
with the latest promoted one, refusing an artefact that changed."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from ml.registry import RegistryError, load_promoted, register


@pytest.fixture
def con(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFECRM_DATA_DIR", str(tmp_path))
    connection = duckdb.connect(str(tmp_path / "registry.duckdb"))
    yield connection
    connection.close()


def fitted(seed: int) -> LogisticRegression:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(200, 2))
    return LogisticRegression().fit(x, (x[:, 0] + rng.normal(size=200) > 0).astype(int))


def record(con, model, auc: float):
    return register(
        con, "lapse_risk", model, trained_as_of=date(2024, 12, 31),
        evaluated_as_of=date(2024, 12, 31), features=["a", "b"], metrics={"roc_auc": auc},
    )  # fmt: skip


def test_a_model_meeting_the_floor_is_promoted_and_scores(con, tmp_path):
    model = fitted(1)
    entry = record(con, model, 0.72)
    assert entry.promoted and entry.version == 1 and "0.720 >= 0.6" in entry.reason
    assert entry.artefact.startswith(str(tmp_path / "models" / "lapse_risk"))
    version, loaded = load_promoted(con, "lapse_risk")
    x = np.array([[0.3, -1.0], [2.0, 0.5]])
    assert version == 1
    assert np.array_equal(loaded.predict_proba(x), model.predict_proba(x))
    row = con.execute(
        "select algorithm, features, hyper_parameters, metrics from ml.model_registry"
    ).fetchall()[0]
    assert row[0] == "LogisticRegression" and '"a"' in row[1] and '"C"' in row[2]


def test_a_model_below_the_floor_is_recorded_not_promoted(con):
    record(con, fitted(1), 0.72)
    weak = record(con, fitted(2), 0.55)
    assert not weak.promoted and weak.version == 2
    assert weak.reason == "not promoted: roc_auc 0.550 is below the floor 0.6"
    version, _ = load_promoted(con, "lapse_risk")
    assert version == 1  # the earlier promoted model keeps scoring


def test_no_promoted_model_or_a_changed_artefact_is_refused(con):
    with pytest.raises(RegistryError, match="no promoted version"):
        load_promoted(con, "lapse_risk")
    entry = record(con, fitted(1), 0.72)
    with open(entry.artefact, "ab") as artefact:
        artefact.write(b"tampered")
    with pytest.raises(RegistryError, match="does not match its recorded sha256"):
        load_promoted(con, "lapse_risk")


def test_a_registry_from_before_metrics_trained_as_of_gains_the_column(con):
    con.execute("create schema ml")
    con.execute(
        "create table ml.model_registry (model_name varchar, version integer, algorithm varchar,"
        " trained_at timestamp, trained_as_of date, evaluated_as_of date, features varchar,"
        " hyper_parameters varchar, metrics varchar, artefact_path varchar,"
        " artefact_sha256 varchar, is_promoted boolean, promotion_reason varchar)"
    )
    register(
        con, "lapse_risk", fitted(1), trained_as_of=date(2024, 12, 31),
        evaluated_as_of=date(2024, 12, 31), metrics_trained_as_of=date(2023, 12, 31),
        features=["a"], metrics={"roc_auc": 0.7},
    )  # fmt: skip
    record(con, fitted(2), 0.7)
    assert con.execute(
        "select metrics_trained_as_of from ml.model_registry order by version"
    ).fetchall() == [(date(2023, 12, 31),), (date(2024, 12, 31),)]
