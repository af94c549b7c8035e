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
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV

from ml.classifiers import fit_calibrated as fit_calibrated_classifier
from ml.classifiers import gradient_boosting, logistic_regression
from ml.evaluation import deciles, evaluate, reliability
from ml.features import (
    CATEGORICAL,
    LABEL,
    NUMERIC,
    check_trainable,
    feature_dates,
    policy_features,
)
from ml.oracle import ORACLE_NAME, true_probabilities
from ml.registry import Registered, load_promoted, register

HORIZON_MONTHS = 12
REGISTERED_NAME = "lapse_risk"
MIN_POSITIVES = 5
ORACLE_MIN_COVERAGE = 0.95


@dataclass(frozen=True)
class LapseModelRun:
    scores: pd.DataFrame
    metrics: pd.DataFrame
    chosen: str
    registered: Registered
    calibration: pd.DataFrame  # the chosen model's reliability table, out of time


CANDIDATES = {
    "lapse_logistic_regression": logistic_regression,
    "lapse_gradient_boosting": gradient_boosting,
}


def fit_calibrated(name: str, frame: pd.DataFrame) -> CalibratedClassifierCV:
    return fit_calibrated_classifier(CANDIDATES[name], CATEGORICAL, NUMERIC, frame, LABEL)


def run(con: duckdb.DuckDBPyConnection) -> LapseModelRun:
    fit_as_of, test_as_of, last = feature_dates(con)
    train = policy_features(con, fit_as_of)
    test = policy_features(con, test_as_of)
    check_trainable(train[LABEL], fit_as_of, "lapse", MIN_POSITIVES)
    check_trainable(test[LABEL], test_as_of, "lapse", MIN_POSITIVES)

    evaluated, held_out = {}, {}
    for name in CANDIDATES:
        held_out[name] = fit_calibrated(name, train).predict_proba(test[CATEGORICAL + NUMERIC])[
            :, 1
        ]
        evaluated[name] = evaluate(test[LABEL].to_numpy(), held_out[name])
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
    # policies are scored by the latest promoted model (this one, if it met the floors). Its
    # metrics are the out-of-time ones of the fit a horizon earlier: the registry says so.
    registered = register(
        con,
        REGISTERED_NAME,
        fit_calibrated(chosen, test),
        trained_as_of=test_as_of,
        evaluated_as_of=test_as_of,
        metrics_trained_as_of=fit_as_of,
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
            "risk_decile": deciles(probability) if len(probability) else [],
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
    calibration = reliability(test[LABEL].to_numpy(), held_out[chosen])
    return LapseModelRun(
        scores=scores,
        metrics=metric_rows,
        chosen=chosen,
        registered=registered,
        calibration=calibration,
    )
