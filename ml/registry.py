"""The model registry: every trained model is recorded in `ml.model_registry` with its training
window, features, hyper-parameters, metrics and artefact (a joblib file under
`<data dir>/models/`, with its sha256); scoring loads the latest *promoted* model of a name.

A model is promoted only when its evaluation meets its floors (`PROMOTION_FLOORS` unless the
model states its own); otherwise it is recorded with the reason and the previous promoted model
keeps scoring.

`trained_as_of` is the date of the artefact's own training window; `metrics_trained_as_of` that
of the model the metrics were measured on. A model chosen out of time and then refit on the
latest fully observed window (the lapse model) carries the metrics of the fit a horizon earlier:
the two dates differ, and `evaluated_as_of` is the window those metrics are from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import joblib

from lifecrm import settings
from lifecrm.ingest.landing import sha256_of

TABLE = "ml.model_registry"
# metric -> the lowest value a model may have and still be promoted
PROMOTION_FLOORS = {"roc_auc": 0.6}


class RegistryError(RuntimeError):
    pass


@dataclass(frozen=True)
class Registered:
    model_name: str
    version: int
    promoted: bool
    reason: str
    artefact: str


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ml")
    con.execute(
        f"""create table if not exists {TABLE} (
            model_name varchar, version integer, algorithm varchar, trained_at timestamp,
            trained_as_of date, evaluated_as_of date, features varchar, hyper_parameters varchar,
            metrics varchar, artefact_path varchar, artefact_sha256 varchar,
            is_promoted boolean, promotion_reason varchar, metrics_trained_as_of date)"""
    )
    # a registry written before the column existed
    con.execute(f"alter table {TABLE} add column if not exists metrics_trained_as_of date")


def promotion_decision(
    metrics: dict[str, float], floors: dict[str, float] = PROMOTION_FLOORS
) -> tuple[bool, str]:
    short = [
        f"{metric} {metrics.get(metric, float('nan')):.3f} is below the floor {floor}"
        for metric, floor in floors.items()
        if not metrics.get(metric, float("-inf")) >= floor
    ]
    if short:
        return False, "not promoted: " + "; ".join(short)
    return True, "promoted: " + ", ".join(
        f"{metric} {metrics[metric]:.3f} >= {floor}" for metric, floor in floors.items()
    )


def register(
    con: duckdb.DuckDBPyConnection,
    model_name: str,
    model,
    *,
    trained_as_of: date,
    evaluated_as_of: date,
    features: list[str],
    metrics: dict[str, float],
    floors: dict[str, float] = PROMOTION_FLOORS,
    metrics_trained_as_of: date | None = None,
    note: str = "",
) -> Registered:
    """Save `model`, record it, and promote it if its metrics meet the floors. The metrics are
    the artefact's own unless `metrics_trained_as_of` names the training date of the model they
    were measured on (a refit artefact carries its predecessor's out-of-time metrics)."""
    _ensure_table(con)
    version = con.execute(
        f"select coalesce(max(version), 0) + 1 from {TABLE} where model_name = ?", [model_name]
    ).fetchall()[0][0]
    folder = settings.data_dir() / "models" / model_name
    folder.mkdir(parents=True, exist_ok=True)
    artefact = folder / f"v{version}.joblib"
    joblib.dump(model, artefact)
    promoted, reason = promotion_decision(metrics, floors)
    reason = f"{reason} ({note})" if note else reason
    con.execute(
        f"insert into {TABLE} (model_name, version, algorithm, trained_at, trained_as_of, "
        "evaluated_as_of, features, hyper_parameters, metrics, artefact_path, artefact_sha256, "
        "is_promoted, promotion_reason, metrics_trained_as_of) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            model_name, version, type(_final_estimator(model)).__name__,
            datetime.now().replace(microsecond=0), trained_as_of, evaluated_as_of,
            json.dumps(features), json.dumps(_parameters(model), default=str),
            json.dumps(metrics), str(artefact), sha256_of(artefact), promoted, reason,
            metrics_trained_as_of or trained_as_of,
        ],
    )  # fmt: skip
    return Registered(model_name, version, promoted, reason, str(artefact))


def load_promoted(con: duckdb.DuckDBPyConnection, model_name: str) -> tuple[int, object]:
    """The version and the model of the latest promoted `model_name`, its artefact checked
    against the recorded sha256."""
    _ensure_table(con)
    rows = con.execute(
        f"select version, artefact_path, artefact_sha256 from {TABLE} "
        "where model_name = ? and is_promoted order by version desc limit 1",
        [model_name],
    ).fetchall()
    if not rows:
        latest = con.execute(
            f"select version, promotion_reason from {TABLE} where model_name = ? "
            "order by version desc limit 1",
            [model_name],
        ).fetchall()
        why = f" (v{latest[0][0]} {latest[0][1]})" if latest else ""
        raise RegistryError(f"no promoted version of {model_name} in {TABLE}{why}")
    version, path, expected = rows[0]
    if sha256_of(Path(path)) != expected:
        raise RegistryError(
            f"{path}: the artefact of {model_name} v{version} does not match its recorded sha256"
        )
    return version, joblib.load(path)


def _final_estimator(model):
    inner = getattr(model, "estimator", model)  # a calibrated wrapper keeps the pipeline here
    return inner.steps[-1][1] if hasattr(inner, "steps") else inner


def _parameters(model) -> dict:
    parameters = {
        name: value
        for name, value in _final_estimator(model).get_params().items()
        if isinstance(value, (int, float, str, bool, type(None)))
    }
    # a calibrated model: how its probabilities were calibrated, beside the estimator's own
    calibration = getattr(model, "method", None)
    return {**parameters, "calibration": calibration} if calibration else parameters
