"""The binary classifiers the models share: scikit-learn pipelines over a frame's categorical
and numeric columns, with probabilities calibrated by cross-validation."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

SEED = 0
CALIBRATION_FOLDS = 3
# isotonic calibration needs enough rows per fold; below this, Platt (sigmoid) scaling
ISOTONIC_MIN_ROWS = 5_000


def logistic_regression(categorical: list[str], numeric: list[str]) -> Pipeline:
    features = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    return Pipeline([("features", features), ("model", LogisticRegression(max_iter=2000))])


def gradient_boosting(categorical: list[str], numeric: list[str]) -> Pipeline:
    # codes the encoder has not seen become -1, which the model treats as missing
    codes = OrdinalEncoder(
        handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
    )
    features = ColumnTransformer(
        [("categorical", codes, categorical), ("numeric", "passthrough", numeric)]
    )
    model = HistGradientBoostingClassifier(
        categorical_features=list(range(len(categorical))),
        learning_rate=0.05,
        max_iter=300,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=SEED,
    )
    return Pipeline([("features", features), ("model", model)])


Builder = Callable[[list[str], list[str]], Pipeline]


def fit_calibrated(
    build: Builder, categorical: list[str], numeric: list[str], frame: pd.DataFrame, label: str
) -> CalibratedClassifierCV:
    method = "isotonic" if len(frame) >= ISOTONIC_MIN_ROWS else "sigmoid"
    model = CalibratedClassifierCV(build(categorical, numeric), method=method, cv=CALIBRATION_FOLDS)
    return model.fit(frame[categorical + numeric], frame[label])
