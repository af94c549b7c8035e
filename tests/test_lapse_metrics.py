"""The lapse model's evaluation metrics compute what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from ml.evaluation import expected_calibration_error, reliability, top_decile_lift


def test_calibration_error_is_zero_for_calibrated_scores_and_the_gap_otherwise():
    rng = np.random.default_rng(1)
    scores = rng.uniform(0, 0.4, 200_000)
    outcomes = (rng.uniform(0, 1, scores.size) < scores).astype(int)
    assert expected_calibration_error(outcomes, scores) < 0.005
    # every score 0.05 too high: the error is that gap
    assert expected_calibration_error(outcomes, scores + 0.05) == pytest.approx(0.05, abs=0.005)


def test_top_decile_lift_is_the_top_tenths_rate_over_the_base_rate():
    scores = np.arange(100, dtype=float)
    outcomes = np.zeros(100, dtype=int)
    outcomes[95:] = 1  # the five highest scores lapse: the top tenth's rate 0.5, the base 0.05
    assert top_decile_lift(outcomes, scores) == pytest.approx(10.0)


def test_the_reliability_table_shows_miscalibration_bin_by_bin():
    rng = np.random.default_rng(2)
    scores = rng.uniform(0, 0.4, 400_000)
    outcomes = (rng.uniform(0, 1, scores.size) < scores).astype(int)
    table = reliability(outcomes, scores)
    assert list(table["bin"]) == list(range(1, 11)) and table["rows"].sum() == scores.size
    assert np.allclose(table["mean_score"], table["observed_rate"], atol=0.01)
    doubled = reliability(outcomes, scores * 2)
    assert np.allclose(doubled["mean_score"], 2 * doubled["observed_rate"], atol=0.02)
