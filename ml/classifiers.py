"""The binary classifiers the models share: scikit-learn pipelines over a frame's categorical
and numeric columns, with probabilities calibrated by cross-validation.

Each builder takes the hyper-parameters the selection searches (`ml/selection.py`); without
them it builds its default. The calibration method is decided on the number of positives (each
calibrator sees a fold's worth of them), not rows: isotonic regression with a hundred or so
positives per calibrator is a staircase of few steps that ties the top of a list.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

SEED = 0
CALIBRATION_FOLDS = 3
# isotonic calibration when each calibrator sees at least this many events and non-events;
# below, Platt (sigmoid) scaling, whose two parameters a few hundred events fit well
ISOTONIC_MIN_POSITIVES_PER_FOLD = 1_000

# below this many training rows a fit runs on one OpenMP thread: gradient boosting's threads
# save little on a small frame and cost many times over on a machine that is busy (a
# 50,000-customer world's cross-sell model took 9 minutes on two threads at a load of 8, about
# 30 s on one)
ONE_THREAD_BELOW_ROWS = 200_000

GRADIENT_BOOSTING_DEFAULTS = {
    "learning_rate": 0.05,
    "max_iter": 300,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
}


def logistic_regression(categorical: list[str], numeric: list[str], **params) -> Pipeline:
    features = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    model = LogisticRegression(max_iter=2000, **params)
    return Pipeline([("features", features), ("model", model)])


def gradient_boosting(categorical: list[str], numeric: list[str], **params) -> Pipeline:
    # codes the encoder has not seen become -1, which the model treats as missing
    codes = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
    )
    features = ColumnTransformer(
        [("categorical", codes, categorical), ("numeric", "passthrough", numeric)]
    )
    model = HistGradientBoostingClassifier(
        categorical_features=list(range(len(categorical))),
        early_stopping=False,
        random_state=SEED,
        **{**GRADIENT_BOOSTING_DEFAULTS, **params},
    )
    return Pipeline([("features", features), ("model", model)])


Builder = Callable[..., Pipeline]


def calibration_method(labels: pd.Series | np.ndarray) -> str:
    """Isotonic when every calibrator sees enough events and non-events, else sigmoid."""
    events = int(np.sum(labels))
    rarer = min(events, len(labels) - events)
    enough = rarer // CALIBRATION_FOLDS >= ISOTONIC_MIN_POSITIVES_PER_FOLD
    return "isotonic" if enough else "sigmoid"


def fit_calibrated(
    build: Builder,
    categorical: list[str],
    numeric: list[str],
    frame: pd.DataFrame,
    label: str,
    *,
    params: dict | None = None,
    method: str | None = None,
) -> CalibratedClassifierCV:
    """Fit `build(**params)` with calibrated probabilities; `method` keeps a calibration chosen
    before (a refit scores with the method it was evaluated with), else it is decided here."""
    method = method or calibration_method(frame[label])
    # Platt scaling's two parameters are fitted on out-of-fold scores, and the model that scores
    # is then fit on every row (a small book cannot spare a third of its rows to each of three
    # models); isotonic calibration, on large books, averages three calibrated models
    model = CalibratedClassifierCV(
        build(categorical, numeric, **(params or {})),
        method=method,
        cv=CALIBRATION_FOLDS,
        ensemble=method == "isotonic",
    )
    return model.fit(frame[categorical + numeric], frame[label])


def threads_for(rows: int) -> AbstractContextManager:
    """One OpenMP thread while fitting on a training window of fewer than
    `ONE_THREAD_BELOW_ROWS` rows."""
    if rows < ONE_THREAD_BELOW_ROWS:
        return threadpool_limits(limits=1, user_api="openmp")
    return nullcontext()
