"""Lapse risk: the probability that an in-force policy lapses in the next 12 months.

Two candidates, each a scikit-learn pipeline with calibrated probabilities: a logistic
regression (the baseline) and a histogram gradient-boosting model, each with a small grid of
hyper-parameters. Validation is out of time, as the models will be used. The candidate and its
setting are chosen inside the training window, policies in force two horizons before the last
data date (labels from the following horizon), by cross-validation over customers and the
precision at the worklist's depth (`ml/selection.py`); the chosen one is fit there and judged
once on the policies in force one horizon before the last date, with bootstrap intervals. It is
then refit, with the same setting and calibration method, on the fully observed windows (both
of them on a small book) and scores every policy in force on the last data date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV

from ml.classifiers import (
    calibration_method,
    gradient_boosting,
    logistic_regression,
    threads_for,
)
from ml.classifiers import fit_calibrated as fit_calibrated_classifier
from ml.evaluation import deciles, reliability
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
from ml.selection import (
    Candidate,
    Selection,
    judge,
    list_share,
    project_var,
    refit_rows,
    search,
    validation_rows,
)

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
    candidate.name: candidate
    for candidate in (
        Candidate("lapse_logistic_regression", logistic_regression, ({"C": 0.1}, {"C": 1.0})),
        Candidate(
            "lapse_gradient_boosting",
            gradient_boosting,
            (  # from a small book's model to the 50,000-customer world's
                {"max_leaf_nodes": 4, "min_samples_leaf": 40, "max_iter": 100},
                {"max_leaf_nodes": 7, "min_samples_leaf": 40, "max_iter": 200},
                {"max_leaf_nodes": 15, "min_samples_leaf": 40, "max_iter": 300},
            ),
        ),
    )
}


def fit_calibrated(
    selection: Selection, frame: pd.DataFrame, method: str
) -> CalibratedClassifierCV:
    return fit_calibrated_classifier(
        CANDIDATES[selection.name].build, CATEGORICAL, NUMERIC, frame, LABEL,
        params=selection.params, method=method,
    )  # fmt: skip


def run(con: duckdb.DuckDBPyConnection) -> LapseModelRun:
    """Choose, evaluate, refit, register and score (the module's docstring)."""
    # the training window's rows (the earliest feature date) set how many threads fit
    (rows,) = con.execute(
        "select count(*) from features.feat_policies "
        "where feature_date = (select min(feature_date) from features.feat_policies)"
    ).fetchone()
    with threads_for(rows):
        return _run(con)


def _run(con: duckdb.DuckDBPyConnection) -> LapseModelRun:
    fit_as_of, test_as_of, last = feature_dates(con)
    train = policy_features(con, fit_as_of)
    test = policy_features(con, test_as_of)
    check_trainable(train[LABEL], fit_as_of, "lapse", MIN_POSITIVES)
    check_trainable(test[LABEL], test_as_of, "lapse", MIN_POSITIVES)

    current = policy_features(con, last)
    features = CATEGORICAL + NUMERIC

    # chosen inside the training window by the worklist's top ranks; judged once out of time
    share = list_share(project_var("lapse_worklist_size"), len(current))
    selection = search(
        list(CANDIDATES.values()), train, CATEGORICAL, NUMERIC, LABEL, share, groups="customer_key"
    )
    chosen = selection.name
    method = calibration_method(train[LABEL])
    held_out = fit_calibrated(selection, train, method).predict_proba(test[features])[:, 1]
    threshold = float(project_var("retention_min_lapse_probability"))
    labels = test[LABEL].to_numpy()
    evaluated = {
        chosen: {**judge(labels, held_out, share), **retention(labels, held_out, threshold)}
    }
    evaluated_on = {chosen: len(test)}
    truth = true_probabilities(con, test, test_as_of)
    known = ~np.isnan(truth) if truth is not None else None
    # a defective world may hide a few policies from the truth's keys: grade on the rest
    if known is not None and known.mean() >= ORACLE_MIN_COVERAGE:
        graded, true = labels[known], truth[known]
        evaluated[ORACLE_NAME] = {
            **judge(graded, true, share),
            **retention(graded, true, threshold),
        }
        evaluated_on[ORACLE_NAME] = int(known.sum())

    # The chosen model is refit, with its setting and calibration method, on the fully observed
    # windows and registered; today's policies are scored by the latest promoted model (this
    # one, if it met the floors). Its metrics are the out-of-time ones of the fit a horizon
    # earlier: the registry says so.
    refit = refit_rows(train, test)
    evaluated[chosen]["refit_rows"] = float(len(refit))
    registered = register(
        con,
        REGISTERED_NAME,
        fit_calibrated(selection, refit, method),
        trained_as_of=test_as_of,
        evaluated_as_of=test_as_of,
        metrics_trained_as_of=fit_as_of,
        features=features,
        metrics=evaluated[chosen],
    )
    version, scorer = load_promoted(con, REGISTERED_NAME)
    probability = scorer.predict_proba(current[features])[:, 1]
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
    common = {"horizon_months": HORIZON_MONTHS, "train_policies": len(train)}
    searched = [
        {**row, **common, "evaluated_as_of": fit_as_of, "test_policies": selection.rows}
        for row in validation_rows(selection)
    ]
    judged = [
        {
            "model_name": name,
            "is_chosen": name == chosen,
            "hyper_parameters": json.dumps(selection.params if name == chosen else {}),
            "metric": metric,
            "value": value,
            **common,
            "evaluated_as_of": test_as_of,
            "test_policies": evaluated_on[name],
        }
        for name, metrics in evaluated.items()
        for metric, value in metrics.items()
    ]
    metric_rows = pd.DataFrame(searched + judged).assign(
        trained_as_of=fit_as_of, computed_at=scored_at
    )
    calibration = reliability(labels, held_out)
    return LapseModelRun(
        scores=scores,
        metrics=metric_rows,
        chosen=chosen,
        registered=registered,
        calibration=calibration,
    )


def retention(y_true: np.ndarray, y_score: np.ndarray, threshold: float) -> dict[str, float]:
    """The retention list's rule on the evaluation window: the policies scored at least
    `threshold` (the list then takes those whose premium falls due soon, which the score does
    not see), how many of them there are, and how many of them lapse."""
    listed = y_score >= threshold
    precision = float(y_true[listed].mean()) if listed.any() else float("nan")
    base = float(y_true.mean())
    return {
        "retention_threshold": threshold,
        "retention_rows": float(listed.sum()),
        "precision_at_retention_threshold": precision,
        "lift_at_retention_threshold": precision / base if base > 0 else float("nan"),
    }
