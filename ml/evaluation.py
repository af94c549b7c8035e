"""How a probability model is judged: ranking, calibration and lift."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def top_decile_lift(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """The event rate among the 10% highest scores over the overall rate."""
    cutoff = max(1, len(y_score) // 10)
    top = np.argsort(-y_score, kind="stable")[:cutoff]
    base = y_true.mean()
    return float(y_true[top].mean() / base) if base > 0 else float("nan")


def expected_calibration_error(y_true: np.ndarray, y_score: np.ndarray, bins: int = 10) -> float:
    """Mean gap between predicted and observed rates over ten equal-count bins of the scores,
    weighted by bin size (equal-count bins: most scores sit near zero)."""
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


def deciles(scores: np.ndarray) -> np.ndarray:
    """Deciles of a score, 10 = the highest tenth."""
    ranks = pd.Series(scores).rank(method="first").to_numpy()
    return np.ceil(ranks * 10 / len(ranks)).astype(int)


def reliability(y_true: np.ndarray, y_score: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """The calibration curve as a table: per equal-count bin of the scores, the mean score
    beside the observed rate (a calibrated model's two columns agree)."""
    order = np.argsort(y_score, kind="stable")
    parts = [part for part in np.array_split(order, bins) if len(part)]
    return pd.DataFrame(
        {
            "bin": range(1, len(parts) + 1),
            "rows": [len(part) for part in parts],
            "mean_score": [float(y_score[part].mean()) for part in parts],
            "observed_rate": [float(y_true[part].mean()) for part in parts],
        }
    )
