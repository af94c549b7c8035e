"""Honest model selection: which candidate, with which hyper-parameters, is chosen inside the
training period, and the chosen one is judged once on an evaluation window nothing was chosen on.

The search cross-validates a small grid per candidate on the training rows (folds by customer,
so that one person's policies never sit on both sides), on at most `SEARCH_MAX_ROWS` of them. A
list is worth what its top ranks are worth: the candidate with the best precision at the depth
its list uses is chosen, and among those within a standard error of it, the better ROC AUC (the
first, the simplest, on a tie). The evaluation adds a bootstrap confidence interval to ROC AUC
and to precision and lift at the list's depth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import roc_auc_score

from lifecrm import settings
from ml.classifiers import SEED, Builder
from ml.evaluation import evaluate

SEARCH_FOLDS = 3
SEARCH_MAX_ROWS = 60_000
BOOTSTRAP_RESAMPLES = 200
REFIT_MAX_ROWS = 100_000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Candidate:
    name: str
    build: Builder
    grid: tuple[dict, ...] = field(default=({},))


@dataclass(frozen=True)
class Selection:
    name: str
    params: dict
    validation: pd.DataFrame  # per candidate and setting: roc_auc, precision and lift at the list
    rows: int  # the training rows the search cross-validated on


@cache
def project_var(name: str):
    """A dbt var from dbt_project.yml (the lists' sizes and thresholds live there)."""
    config = yaml.safe_load((settings.PROJECT_ROOT / "dbt_project.yml").read_text("utf-8"))
    return config["vars"][name]


def list_share(list_size: int, population: int) -> float:
    """The share of the scored population a list of `list_size` takes (all of it at most)."""
    return min(1.0, list_size / population) if population else 1.0


def at_share(y_true: np.ndarray, y_score: np.ndarray, share: float) -> dict[str, float]:
    """Precision and lift of the `share` highest scores (at least one row)."""
    rows = max(1, int(round(share * len(y_score))))
    top = np.argsort(-y_score, kind="stable")[:rows]
    precision = float(y_true[top].mean())
    base = float(y_true.mean())
    return {
        "list_rows": float(rows),
        "precision_at_list": precision,
        "lift_at_list": precision / base if base > 0 else float("nan"),
    }


def _folds(frame: pd.DataFrame, groups: str | None) -> np.ndarray:
    """A fold number per row, whole groups (customers) to one fold, seeded."""
    rng = np.random.default_rng(SEED)
    if groups is None:
        return rng.permutation(len(frame)) % SEARCH_FOLDS
    codes, uniques = pd.factorize(frame[groups])
    return (rng.permutation(len(uniques)) % SEARCH_FOLDS)[codes]


def _sample(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    if len(frame) <= SEARCH_MAX_ROWS:
        return frame
    share = SEARCH_MAX_ROWS / len(frame)
    return frame.groupby(label, group_keys=False).sample(frac=share, random_state=SEED)


def search(
    candidates: list[Candidate],
    frame: pd.DataFrame,
    categorical: list[str],
    numeric: list[str],
    label: str,
    share: float,
    groups: str | None = None,
) -> Selection:
    """Cross-validate every candidate's grid on the training rows and choose one (module doc)."""
    frame = _sample(frame, label).reset_index(drop=True)
    folds = _folds(frame, groups)
    features, labels = frame[categorical + numeric], frame[label].to_numpy()
    rows = []
    for candidate in candidates:
        for params in candidate.grid:
            scores = np.empty(len(frame))
            for fold in range(SEARCH_FOLDS):
                fit, held = folds != fold, folds == fold
                model = candidate.build(categorical, numeric, **params)
                model.fit(features[fit], labels[fit])
                scores[held] = model.predict_proba(features[held])[:, 1]
            rows.append(
                {
                    "model_name": candidate.name,
                    "params": params,
                    "roc_auc": float(roc_auc_score(labels, scores)),
                    **at_share(labels, scores, share),
                }
            )
    table = pd.DataFrame(rows)
    best = table["precision_at_list"].max()
    spread = np.sqrt(best * (1 - best) / table["list_rows"].iloc[0])
    tied = table[table["precision_at_list"] >= best - spread]
    chosen = tied.loc[tied["roc_auc"].idxmax()]  # idxmax keeps the first of equal values
    return Selection(chosen["model_name"], dict(chosen["params"]), table, len(frame))


def _weighted_auc(groups: np.ndarray, y: np.ndarray, w: np.ndarray, n_groups: int) -> float:
    positives = np.bincount(groups, weights=w * y, minlength=n_groups)
    negatives = np.bincount(groups, weights=w * (1 - y), minlength=n_groups)
    below = np.cumsum(negatives) - negatives
    return float((positives * (below + negatives / 2)).sum() / (positives.sum() * negatives.sum()))


def _weighted_precision(order: np.ndarray, y: np.ndarray, w: np.ndarray, share: float):
    weights = w[order]
    within = np.cumsum(weights) <= max(1.0, share * weights.sum())
    precision = (weights * y[order])[within].sum() / max(weights[within].sum(), 1.0)
    base = (w * y).sum() / w.sum()
    return precision, precision / base if base > 0 else np.nan


def bootstrap_intervals(
    y_true: np.ndarray, y_score: np.ndarray, share: float, resamples: int = BOOTSTRAP_RESAMPLES
) -> dict[str, float]:
    """95% percentile intervals of ROC AUC and of precision and lift at `share`, by the Poisson
    bootstrap (each row drawn Poisson(1) times): the scores are sorted once, so that a resample
    costs a pass over the rows, not a sort."""
    rng = np.random.default_rng(SEED)
    y = y_true.astype(float)
    uniques, groups = np.unique(y_score, return_inverse=True)
    order = np.argsort(-y_score, kind="stable")
    draws = {"roc_auc": [], "precision_at_list": [], "lift_at_list": []}
    for _ in range(resamples):
        w = rng.poisson(1.0, len(y)).astype(float)
        if (w * y).sum() == 0 or (w * (1 - y)).sum() == 0:
            continue
        draws["roc_auc"].append(_weighted_auc(groups, y, w, len(uniques)))
        precision, lift = _weighted_precision(order, y, w, share)
        draws["precision_at_list"].append(precision)
        draws["lift_at_list"].append(lift)
    tail = (1 - CONFIDENCE) / 2 * 100
    out = {}
    for metric, values in draws.items():
        low, high = np.nanpercentile(values, [tail, 100 - tail]) if values else (np.nan, np.nan)
        out[f"{metric}_ci_low"], out[f"{metric}_ci_high"] = float(low), float(high)
    return out


def judge(y_true: np.ndarray, y_score: np.ndarray, share: float) -> dict[str, float]:
    """The evaluation window's figures: `evaluate`'s, precision and lift at the list's depth,
    and their bootstrap intervals."""
    return {
        **evaluate(y_true, y_score),
        "list_share": share,
        **at_share(y_true, y_score, share),
        **bootstrap_intervals(y_true, y_score, share),
    }


def validation_rows(selection: Selection) -> list[dict]:
    """The search's figures as metric rows: each candidate setting's cross-validated ROC AUC,
    precision and lift at the list, with its hyper-parameters (JSON) and whether it was chosen."""
    return [
        {
            "model_name": row.model_name,
            "is_chosen": row.model_name == selection.name and row.params == selection.params,
            "hyper_parameters": json.dumps(row.params, sort_keys=True),
            "metric": f"validation_{metric}",
            "value": float(getattr(row, metric)),
        }
        for row in selection.validation.itertuples()
        for metric in ("roc_auc", "precision_at_list", "lift_at_list", "list_rows")
    ]


def refit_rows(train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """What the chosen model is refit on to score: the latest fully observed window, and the one
    before it too while both stay under `REFIT_MAX_ROWS` rows. A small book doubles its rows; a
    large one has rows enough and keeps to the latest year and its fit time."""
    if len(train) + len(test) > REFIT_MAX_ROWS:
        return test
    # shuffled (seeded), so that each calibration fold holds both years
    both = pd.concat([train, test], ignore_index=True)
    return both.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
