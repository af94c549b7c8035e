"""A first lapse-risk model: the probability that an in-force policy lapses in the next 12 months.

Validation is out of time, as the model will be used: fit on policies in force two horizons
before the last data date (labels from the following horizon), evaluate on those in force one
horizon before it; then refit on the latest fully observed window and score every policy in
force on the last data date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ml.features import CATEGORICAL, NUMERIC, last_data_date, policy_features

MODEL_NAME = "lapse_logistic_v1"
HORIZON_MONTHS = 12
MIN_POSITIVES = 5


@dataclass(frozen=True)
class LapseModelRun:
    scores: pd.DataFrame
    metrics: pd.DataFrame


def build_pipeline() -> Pipeline:
    features = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("numeric", StandardScaler(), NUMERIC),
        ]
    )
    return Pipeline([("features", features), ("model", LogisticRegression(max_iter=2000))])


def _check_trainable(frame: pd.DataFrame, as_of: date) -> None:
    positives = int(frame["lapsed_in_horizon"].sum())
    if len(frame) == 0 or positives < MIN_POSITIVES or positives == len(frame):
        raise ValueError(
            f"cannot train the lapse model as of {as_of}: {len(frame)} policies in force, "
            f"{positives} lapsed in the next {HORIZON_MONTHS} months (need at least "
            f"{MIN_POSITIVES} of each); generate a larger or longer world"
        )


def top_decile_lift(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Lapse rate among the 10% highest scores over the overall lapse rate."""
    cutoff = max(1, len(y_score) // 10)
    top = np.argsort(-y_score, kind="stable")[:cutoff]
    base = y_true.mean()
    return float(y_true[top].mean() / base) if base > 0 else float("nan")


def evaluate(y_true: np.ndarray, y_score: np.ndarray) -> dict[str, float]:
    return {
        "roc_auc": float(roc_auc_score(y_true, y_score)),
        "pr_auc": float(average_precision_score(y_true, y_score)),
        "brier_score": float(brier_score_loss(y_true, y_score)),
        "top_decile_lift": top_decile_lift(y_true, y_score),
        "observed_rate": float(y_true.mean()),
        "mean_score": float(y_score.mean()),
    }


def risk_deciles(probabilities: np.ndarray) -> np.ndarray:
    """Deciles of risk, 10 = the riskiest tenth."""
    ranks = pd.Series(probabilities).rank(method="first").to_numpy()
    return np.ceil(ranks * 10 / len(ranks)).astype(int)


def run(con: duckdb.DuckDBPyConnection) -> LapseModelRun:
    last = last_data_date(con)
    fit_as_of = last - relativedelta(months=2 * HORIZON_MONTHS)
    test_as_of = last - relativedelta(months=HORIZON_MONTHS)

    train = policy_features(con, fit_as_of, HORIZON_MONTHS)
    test = policy_features(con, test_as_of, HORIZON_MONTHS)
    _check_trainable(train, fit_as_of)
    _check_trainable(test, test_as_of)

    candidate = build_pipeline().fit(train[CATEGORICAL + NUMERIC], train["lapsed_in_horizon"])
    held_out = candidate.predict_proba(test[CATEGORICAL + NUMERIC])[:, 1]
    metrics = evaluate(test["lapsed_in_horizon"].to_numpy(), held_out)

    # The model that scores today is refit on the latest fully observed window.
    final = build_pipeline().fit(test[CATEGORICAL + NUMERIC], test["lapsed_in_horizon"])
    current = policy_features(con, last, HORIZON_MONTHS)
    probability = final.predict_proba(current[CATEGORICAL + NUMERIC])[:, 1]
    scored_at = datetime.now().replace(microsecond=0)

    scores = pd.DataFrame(
        {
            "policy_key": current["policy_key"],
            "as_of_date": last,
            "lapse_probability_12m": probability,
            "risk_decile": risk_deciles(probability) if len(probability) else [],
            "model_name": MODEL_NAME,
            "scored_at": scored_at,
        }
    )
    metric_rows = pd.DataFrame(
        {
            "model_name": MODEL_NAME,
            "trained_as_of": fit_as_of,
            "evaluated_as_of": test_as_of,
            "horizon_months": HORIZON_MONTHS,
            "train_policies": len(train),
            "test_policies": len(test),
            "metric": list(metrics),
            "value": list(metrics.values()),
            "computed_at": scored_at,
        }
    )
    return LapseModelRun(scores=scores, metrics=metric_rows)
