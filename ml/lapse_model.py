"""Lapse risk: the probability that an in-force policy lapses in the next 12 months.

Two candidates, each a scikit-learn pipeline with calibrated probabilities: a logistic
regression (the baseline) and a histogram gradient-boosting model. Validation is out of time, as
the models will be used: fit on policies in force two horizons before the last data date (labels
from the following horizon), evaluate on those in force one horizon before it. The candidate with
the better out-of-time ROC AUC is chosen (the baseline on a tie), refit on that latest fully
observed window, and scores every policy in force on the last data date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from ml.features import CATEGORICAL, LABEL, NUMERIC, feature_dates, policy_features
from ml.oracle import ORACLE_NAME, true_probabilities
from ml.registry import Registered, load_promoted, register

HORIZON_MONTHS = 12
REGISTERED_NAME = "lapse_risk"
MIN_POSITIVES = 5
CALIBRATION_FOLDS = 3
# isotonic calibration needs enough rows per fold; below this, Platt (sigmoid) scaling
ISOTONIC_MIN_ROWS = 5_000
SEED = 0
ORACLE_MIN_COVERAGE = 0.95


@dataclass(frozen=True)
class LapseModelRun:
    scores: pd.DataFrame
    metrics: pd.DataFrame
    chosen: str
    registered: Registered


def logistic_regression() -> Pipeline:
    features = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("numeric", StandardScaler(), NUMERIC),
        ]
    )
    return Pipeline([("features", features), ("model", LogisticRegression(max_iter=2000))])


def gradient_boosting() -> Pipeline:
    # codes the encoder has not seen become -1, which the model treats as missing
    codes = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
    )
    features = ColumnTransformer(
        [("categorical", codes, CATEGORICAL), ("numeric", "passthrough", NUMERIC)]
    )
    model = HistGradientBoostingClassifier(
        categorical_features=list(range(len(CATEGORICAL))),
        learning_rate=0.05,
        max_iter=300,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=SEED,
    )
    return Pipeline([("features", features), ("model", model)])


CANDIDATES = {
    "lapse_logistic_regression": logistic_regression,
    "lapse_gradient_boosting": gradient_boosting,
}


def fit_calibrated(name: str, frame: pd.DataFrame) -> CalibratedClassifierCV:
    method = "isotonic" if len(frame) >= ISOTONIC_MIN_ROWS else "sigmoid"
    model = CalibratedClassifierCV(CANDIDATES[name](), method=method, cv=CALIBRATION_FOLDS)
    return model.fit(frame[CATEGORICAL + NUMERIC], frame[LABEL])


def _check_trainable(frame: pd.DataFrame, as_of: date) -> None:
    positives = int(frame[LABEL].sum())
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


def expected_calibration_error(y_true: np.ndarray, y_score: np.ndarray, bins: int = 10) -> float:
    """Mean gap between predicted and observed lapse rates over ten equal-count bins of the
    scores, weighted by bin size (equal-count bins: most scores sit near zero)."""
    order = np.argsort(y_score, kind="stable")
    gaps = [
        abs(y_score[part].mean() - y_true[part].mean()) * len(part)
        for part in np.array_split(order, bins)
        if len(part)
    ]
    return float(sum(gaps) / len(y_score))


def evaluate(y_true: np.ndarray, y_score: np.ndarray) -> dict[str, float]:
    return {
        "roc_auc": float(roc_auc_score(y_true, y_score)),
        "pr_auc": float(average_precision_score(y_true, y_score)),
        "brier_score": float(brier_score_loss(y_true, y_score)),
        "expected_calibration_error": expected_calibration_error(y_true, y_score),
        "top_decile_lift": top_decile_lift(y_true, y_score),
        "observed_rate": float(y_true.mean()),
        "mean_score": float(y_score.mean()),
    }


def risk_deciles(probabilities: np.ndarray) -> np.ndarray:
    """Deciles of risk, 10 = the riskiest tenth."""
    ranks = pd.Series(probabilities).rank(method="first").to_numpy()
    return np.ceil(ranks * 10 / len(ranks)).astype(int)


def run(con: duckdb.DuckDBPyConnection) -> LapseModelRun:
    fit_as_of, test_as_of, last = feature_dates(con)
    train = policy_features(con, fit_as_of)
    test = policy_features(con, test_as_of)
    _check_trainable(train, fit_as_of)
    _check_trainable(test, test_as_of)

    evaluated = {}
    for name in CANDIDATES:
        held_out = fit_calibrated(name, train).predict_proba(test[CATEGORICAL + NUMERIC])[:, 1]
        evaluated[name] = evaluate(test[LABEL].to_numpy(), held_out)
    evaluated_on = dict.fromkeys(evaluated, len(test))
    truth = true_probabilities(con, test, test_as_of)
    known = ~np.isnan(truth) if truth is not None else None
    # a defective world may hide a few policies from the truth's keys: grade on the rest
    if known is not None and known.mean() >= ORACLE_MIN_COVERAGE:
        labels = test[LABEL].to_numpy()[known]
        evaluated[ORACLE_NAME] = evaluate(labels, truth[known])
        evaluated_on[ORACLE_NAME] = int(known.sum())
    # the baseline (first) wins ties: max keeps the first of equal keys
    chosen = max(CANDIDATES, key=lambda name: evaluated[name]["roc_auc"])

    # The chosen model is refit on the latest fully observed window and registered; today's
    # policies are scored by the latest promoted model (this one, if it met the floors).
    registered = register(
        con,
        REGISTERED_NAME,
        fit_calibrated(chosen, test),
        trained_as_of=test_as_of,
        evaluated_as_of=test_as_of,
        features=CATEGORICAL + NUMERIC,
        metrics=evaluated[chosen],
    )
    current = policy_features(con, last)
    version, scorer = load_promoted(con, REGISTERED_NAME)
    probability = scorer.predict_proba(current[CATEGORICAL + NUMERIC])[:, 1]
    scored_at = datetime.now().replace(microsecond=0)

    scores = pd.DataFrame(
        {
            "policy_key": current["policy_key"],
            "as_of_date": last,
            "lapse_probability_12m": probability,
            "risk_decile": risk_deciles(probability) if len(probability) else [],
            "model_name": chosen,
            "model_version": version,
            "scored_at": scored_at,
        }
    )
    metric_rows = pd.DataFrame(
        [
            {
                "model_name": name,
                "is_chosen": name == chosen,
                "trained_as_of": fit_as_of,
                "evaluated_as_of": test_as_of,
                "horizon_months": HORIZON_MONTHS,
                "train_policies": len(train),
                "test_policies": evaluated_on[name],
                "metric": metric,
                "value": value,
                "computed_at": scored_at,
            }
            for name, metrics in evaluated.items()
            for metric, value in metrics.items()
        ]
    )
    return LapseModelRun(scores=scores, metrics=metric_rows, chosen=chosen, registered=registered)
