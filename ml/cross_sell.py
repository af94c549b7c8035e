"""Cross-sell: the probability that a customer holding a policy buys another in the next 12
months, and the product type they would most likely buy next.

Validated out of time like the lapse model: the candidate and its hyper-parameters are chosen by
cross-validation on the customers of the earliest feature date (purchases in the following
year), by precision at the depth of the cross-sell list (`ml/selection.py`); the chosen one is
judged once on the middle date, then refit there and scores every customer on the as-of date.
The next best product is a multiclass gradient-boosting model over product types fitted on the
customers who bought, judged by top-1 accuracy against naming the most common product the
customer does not hold; a model that is not right more often than that falls back to it (the
registry records the fallback as the promoted next best product), so the list is never emptied
by a product model that lost to a rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from ml.classifiers import (
    calibration_method,
    fit_calibrated,
    gradient_boosting,
    logistic_regression,
    threads_for,
)
from ml.evaluation import deciles
from ml.features import check_trainable, feature_dates
from ml.oracle import ORACLE_NAME, true_purchase_probabilities
from ml.registry import Registered, RegistryError, load_promoted, register
from ml.selection import (
    Candidate,
    judge,
    list_share,
    project_var,
    refit_rows,
    search,
    validation_rows,
)

PROPENSITY_NAME = "cross_sell"
PRODUCT_NAME = "next_best_product"
CANDIDATES = {
    candidate.name: candidate
    for candidate in (
        Candidate(
            "cross_sell_logistic_regression",
            logistic_regression,
            ({"C": 0.01}, {"C": 0.1}, {"C": 1.0}),  # purchases are mostly chance: regularise
        ),
        Candidate(
            "cross_sell_gradient_boosting",
            gradient_boosting,
            (
                {"max_leaf_nodes": 4, "min_samples_leaf": 80, "max_iter": 50},
                {"max_leaf_nodes": 7, "min_samples_leaf": 80, "max_iter": 150},
                {"max_leaf_nodes": 15, "min_samples_leaf": 40, "max_iter": 300},
            ),
        ),
    )
}
# Purchases are mostly chance (even the truth ranks them at an AUC near 0.64): a lower floor
# than the lapse model's. The product model must be right at least as often as always naming
# the most common product.
PROPENSITY_FLOORS = {"roc_auc": 0.55}
PRODUCT_FLOORS = {"accuracy_over_baseline": 1.0}
# the rule is its own baseline: it is promoted when the model is not
FALLBACK_FLOORS = {"accuracy_over_baseline": 1.0}
MIN_BUYERS = 5
ORACLE_MIN_COVERAGE = 0.95

CATEGORICAL = ["income_band", "marital_status", "acquisition_source", "gender_code"]
NUMERIC = [
    "age_years",
    "tenure_months",
    "children_count",
    "policies_ever",
    "policies_in_force",
    "product_types_held",
    "policies_lapsed",
    "log_annualised_premium",
    "savings_share",
    "bancassurance_share",
    "log_premiums_paid",
    "unpaid_installments_12m",
    "interactions_12m",
    "complaints_12m",
    "mean_csat",
    "has_survey",
]
PRODUCT_TYPES = [
    "term", "whole_life", "endowment", "critical_illness", "annuity", "investment_linked",
]  # fmt: skip
HOLDS = [f"holds_{product_type}" for product_type in PRODUCT_TYPES]
NUMERIC += HOLDS
LABEL = "bought_within_12m"

CUSTOMER_FEATURES_SQL = f"""
select
    features.customer_key,
    {", ".join(f"coalesce(features.{column}, 'unknown') as {column}" for column in CATEGORICAL)},
    coalesce(features.age_years, 40) as age_years,
    features.tenure_months,
    features.children_count,
    features.policies_ever,
    features.policies_in_force,
    features.product_types_held,
    features.policies_lapsed,
    ln(1 + features.annualised_premium_in_force_twd) as log_annualised_premium,
    features.savings_policies_in_force / features.policies_in_force as savings_share,
    features.bancassurance_policies_in_force / features.policies_in_force as bancassurance_share,
    ln(1 + features.premiums_paid_twd) as log_premiums_paid,
    features.unpaid_installments_12m,
    features.interactions_12m,
    features.complaints_12m,
    -- no survey yet reads as the middle of the scale, with its own flag
    coalesce(features.mean_csat, 3) as mean_csat,
    cast(features.mean_csat is not null as integer) as has_survey,
    {", ".join(f"features.{column}" for column in HOLDS)},
    cast(purchases.bought_within_12m as integer) as {LABEL},
    purchases.first_product_type
from features.feat_customers as features
inner join features.feat_customer_purchases as purchases
    on features.customer_key = purchases.customer_key
    and features.feature_date = purchases.feature_date
where features.feature_date = $feature_date
order by features.customer_key
"""


@dataclass(frozen=True)
class CrossSellRun:
    scores: pd.DataFrame
    metrics: pd.DataFrame
    chosen: str
    registered: tuple[Registered, Registered]
    unscored: str | None  # why nobody was scored, if no model has been promoted


def customer_features(con: duckdb.DuckDBPyConnection, feature_date: date) -> pd.DataFrame:
    relation = con.sql(CUSTOMER_FEATURES_SQL, params={"feature_date": feature_date})
    return relation.to_arrow_table().to_pandas()


class MostCommonNotHeld(BaseEstimator):
    """The rule a product model must beat: the product type bought most often (by the training
    buyers) among those the customer does not hold in force; the most common of all when they
    hold every type."""

    def fit(self, frame: pd.DataFrame, products: pd.Series) -> MostCommonNotHeld:
        counts = products.value_counts()
        # every type, the ones nobody bought last (in the catalogue's order)
        self.ranking_ = list(counts.index) + [t for t in PRODUCT_TYPES if t not in counts.index]
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        chosen = np.full(len(frame), self.ranking_[0], dtype=object)
        undecided = np.ones(len(frame), dtype=bool)
        for product_type in self.ranking_:
            free = undecided & (frame[f"holds_{product_type}"].to_numpy() == 0)
            chosen[free] = product_type
            undecided &= ~free
        return chosen


def buyers_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame[LABEL] == 1]


def fit_products(frame: pd.DataFrame) -> Pipeline:
    buyers = buyers_of(frame)
    # the propensity's gradient-boosting pipeline, here over many classes
    model = gradient_boosting(CATEGORICAL, NUMERIC)
    return model.fit(buyers[CATEGORICAL + NUMERIC], buyers["first_product_type"])


def fit_baseline(frame: pd.DataFrame) -> MostCommonNotHeld:
    buyers = buyers_of(frame)
    return MostCommonNotHeld().fit(buyers[CATEGORICAL + NUMERIC], buyers["first_product_type"])


def product_metrics(model, baseline: MostCommonNotHeld, test: pd.DataFrame) -> dict[str, float]:
    """Top-1 accuracy on the evaluation window's buyers, the model's beside the rule's."""
    buyers = buyers_of(test)
    if buyers.empty:
        return {"accuracy": float("nan"), "accuracy_over_baseline": float("nan")}
    bought = buyers["first_product_type"].to_numpy()
    accuracy = float((model.predict(buyers[CATEGORICAL + NUMERIC]) == bought).mean())
    rule = float((baseline.predict(buyers[CATEGORICAL + NUMERIC]) == bought).mean())
    return {
        "accuracy": accuracy,
        "baseline_accuracy": rule,
        "accuracy_over_baseline": accuracy / rule if rule > 0 else float("nan"),
        "buyers": float(len(buyers)),
    }


def run(con: duckdb.DuckDBPyConnection) -> CrossSellRun:
    """Choose, evaluate, refit, register and score (the module's docstring)."""
    # the training window's rows (the earliest feature date) set how many threads fit
    (rows,) = con.execute(
        "select count(*) from features.feat_customers "
        "where feature_date = (select min(feature_date) from features.feat_customers)"
    ).fetchone()
    with threads_for(rows):
        return _run(con)


def _run(con: duckdb.DuckDBPyConnection) -> CrossSellRun:
    fit_as_of, test_as_of, last = feature_dates(con, "features.feat_customers")
    train = customer_features(con, fit_as_of)
    test = customer_features(con, test_as_of)
    current = customer_features(con, last)
    check_trainable(train[LABEL], fit_as_of, "cross-sell", MIN_BUYERS)
    check_trainable(test[LABEL], test_as_of, "cross-sell", MIN_BUYERS)
    features = CATEGORICAL + NUMERIC

    # chosen inside the training year, by the top of the list it makes; judged once out of time
    share = list_share(project_var("cross_sell_list_size"), len(current))
    selection = search(list(CANDIDATES.values()), train, CATEGORICAL, NUMERIC, LABEL, share)
    chosen, build = selection.name, CANDIDATES[selection.name].build
    method = calibration_method(train[LABEL])
    model = fit_calibrated(
        build, CATEGORICAL, NUMERIC, train, LABEL, params=selection.params, method=method
    )
    labels = test[LABEL].to_numpy()
    evaluated = {chosen: judge(labels, model.predict_proba(test[features])[:, 1], share)}
    evaluated_on = {chosen: len(test)}
    truth = true_purchase_probabilities(con, test["customer_key"], test_as_of)
    known = ~np.isnan(truth) if truth is not None else None
    if known is not None and known.mean() >= ORACLE_MIN_COVERAGE:
        evaluated[ORACLE_NAME] = judge(labels[known], truth[known], share)
        evaluated_on[ORACLE_NAME] = int(known.sum())
    products = product_metrics(fit_products(train), fit_baseline(train), test)

    refit = refit_rows(train, test)
    evaluated[chosen]["refit_rows"] = float(len(refit))
    propensity = register(
        con,
        PROPENSITY_NAME,
        fit_calibrated(
            build, CATEGORICAL, NUMERIC, refit, LABEL, params=selection.params, method=method
        ),
        trained_as_of=test_as_of,
        evaluated_as_of=test_as_of,
        metrics_trained_as_of=fit_as_of,
        features=features,
        metrics=evaluated[chosen],
        floors=PROPENSITY_FLOORS,
    )
    product = register(
        con,
        PRODUCT_NAME,
        fit_products(refit),
        trained_as_of=test_as_of,
        evaluated_as_of=test_as_of,
        metrics_trained_as_of=fit_as_of,
        features=features,
        metrics=products,
        floors=PRODUCT_FLOORS,
    )
    fallback = not product.promoted
    if fallback:
        # the model lost to the rule it is judged against: the rule names the product
        product = register(
            con,
            PRODUCT_NAME,
            fit_baseline(refit),
            trained_as_of=test_as_of,
            evaluated_as_of=test_as_of,
            metrics_trained_as_of=fit_as_of,
            features=HOLDS,
            metrics={"accuracy": products["baseline_accuracy"], "accuracy_over_baseline": 1.0},
            floors=FALLBACK_FLOORS,
            note=f"the fallback rule, as the model v{product.version} was {product.reason}",
        )
    products["is_fallback"] = float(fallback)

    scored_at = datetime.now().replace(microsecond=0)
    try:
        propensity_version, propensity_model = load_promoted(con, PROPENSITY_NAME)
        product_version, products_model = load_promoted(con, PRODUCT_NAME)
        unscored = None
    except RegistryError as missing:
        # no model good enough has ever been promoted: score nobody rather than guess
        current, unscored = current.iloc[:0], str(missing)
        propensity_version = product_version = 0
    probability = (
        propensity_model.predict_proba(current[features])[:, 1] if len(current) else np.empty(0)
    )
    next_products = (
        products_model.predict(current[features]) if len(current) else np.empty(0, dtype=object)
    )
    scores = pd.DataFrame(
        {
            "customer_key": current["customer_key"].astype("string"),
            "as_of_date": pd.Series([last] * len(current), dtype="datetime64[s]"),
            "purchase_probability_12m": probability.astype(float),
            "propensity_decile": deciles(probability) if len(current) else np.empty(0, int),
            "next_best_product_type": pd.Series(next_products, dtype="string"),
            "model_name": pd.Series([chosen] * len(current), dtype="string"),
            "model_version": np.full(len(current), propensity_version),
            "product_model_version": np.full(len(current), product_version),
            "scored_at": pd.Series([scored_at] * len(current), dtype="datetime64[s]"),
        }
    )
    rows = (
        [
            {**row, "evaluated_as_of": fit_as_of, "evaluated_customers": selection.rows}
            for row in validation_rows(selection)
        ]
        + [
            {
                "model_name": name,
                "is_chosen": name == chosen,
                "hyper_parameters": json.dumps(selection.params if name == chosen else {}),
                "metric": metric,
                "value": value,
                "evaluated_as_of": test_as_of,
                "evaluated_customers": evaluated_on[name],
            }
            for name, metrics in evaluated.items()
            for metric, value in metrics.items()
        ]
        + [
            {
                "model_name": PRODUCT_NAME,
                "is_chosen": True,
                "hyper_parameters": "{}",
                "metric": metric,
                "value": value,
                "evaluated_as_of": test_as_of,
                "evaluated_customers": int(products.get("buyers", 0)),
            }
            for metric, value in products.items()
        ]
    )
    metrics = pd.DataFrame(rows).assign(trained_as_of=fit_as_of, computed_at=scored_at)
    return CrossSellRun(scores, metrics, chosen, (propensity, product), unscored)
