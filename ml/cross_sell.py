"""Cross-sell: the probability that a customer holding a policy buys another in the next 12
months, and the product type they would most likely buy next.

Validated out of time like the lapse model: fit on customers as of the earliest feature date
(purchases in the following year), evaluate on the middle date, then refit there and score every
customer on the as-of date. The propensity is a calibrated gradient-boosting model (logistic
regression as the baseline, the better out-of-time ROC AUC chosen); the next best product is a
multiclass gradient-boosting model over product types fitted on the customers who bought, judged
by top-1 accuracy against always naming the most common product.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ml.classifiers import fit_calibrated, gradient_boosting, logistic_regression
from ml.evaluation import deciles, evaluate
from ml.features import check_trainable, feature_dates
from ml.oracle import ORACLE_NAME, true_purchase_probabilities
from ml.registry import Registered, RegistryError, load_promoted, register

PROPENSITY_NAME = "cross_sell"
PRODUCT_NAME = "next_best_product"
CANDIDATES = {
    "cross_sell_logistic_regression": logistic_regression,
    "cross_sell_gradient_boosting": gradient_boosting,
}
# Purchases are mostly chance (even the truth ranks them at an AUC near 0.64): a lower floor
# than the lapse model's. The product model must be right at least as often as always naming
# the most common product.
PROPENSITY_FLOORS = {"roc_auc": 0.55}
PRODUCT_FLOORS = {"accuracy_over_baseline": 1.0}
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


def fit_products(frame: pd.DataFrame) -> Pipeline:
    buyers = frame[frame[LABEL] == 1]
    # the propensity's gradient-boosting pipeline, here over many classes
    model = gradient_boosting(CATEGORICAL, NUMERIC)
    return model.fit(buyers[CATEGORICAL + NUMERIC], buyers["first_product_type"])


def product_metrics(model: Pipeline, train: pd.DataFrame, test: pd.DataFrame) -> dict[str, float]:
    buyers = test[test[LABEL] == 1]
    if buyers.empty:
        return {"accuracy": float("nan"), "accuracy_over_baseline": float("nan")}
    predicted = model.predict(buyers[CATEGORICAL + NUMERIC])
    accuracy = float((predicted == buyers["first_product_type"].to_numpy()).mean())
    most_common = train.loc[train[LABEL] == 1, "first_product_type"].mode().iloc[0]
    baseline = float((buyers["first_product_type"] == most_common).mean())
    return {
        "accuracy": accuracy,
        "baseline_accuracy": baseline,
        "accuracy_over_baseline": accuracy / baseline if baseline > 0 else float("nan"),
        "buyers": float(len(buyers)),
    }


def run(con: duckdb.DuckDBPyConnection) -> CrossSellRun:
    fit_as_of, test_as_of, last = feature_dates(con, "features.feat_customers")
    train = customer_features(con, fit_as_of)
    test = customer_features(con, test_as_of)
    check_trainable(train[LABEL], fit_as_of, "cross-sell", MIN_BUYERS)
    check_trainable(test[LABEL], test_as_of, "cross-sell", MIN_BUYERS)

    evaluated, evaluated_on = {}, {}
    for name, build in CANDIDATES.items():
        model = fit_calibrated(build, CATEGORICAL, NUMERIC, train, LABEL)
        held_out = model.predict_proba(test[CATEGORICAL + NUMERIC])[:, 1]
        evaluated[name] = evaluate(test[LABEL].to_numpy(), held_out)
        evaluated_on[name] = len(test)
    truth = true_purchase_probabilities(con, test["customer_key"], test_as_of)
    known = ~np.isnan(truth) if truth is not None else None
    if known is not None and known.mean() >= ORACLE_MIN_COVERAGE:
        evaluated[ORACLE_NAME] = evaluate(test[LABEL].to_numpy()[known], truth[known])
        evaluated_on[ORACLE_NAME] = int(known.sum())
    chosen = max(CANDIDATES, key=lambda name: evaluated[name]["roc_auc"])
    products = product_metrics(fit_products(train), train, test)

    propensity = register(
        con,
        PROPENSITY_NAME,
        fit_calibrated(CANDIDATES[chosen], CATEGORICAL, NUMERIC, test, LABEL),
        trained_as_of=test_as_of,
        evaluated_as_of=test_as_of,
        features=CATEGORICAL + NUMERIC,
        metrics=evaluated[chosen],
        floors=PROPENSITY_FLOORS,
    )
    product = register(
        con,
        PRODUCT_NAME,
        fit_products(test),
        trained_as_of=test_as_of,
        evaluated_as_of=test_as_of,
        features=CATEGORICAL + NUMERIC,
        metrics=products,
        floors=PRODUCT_FLOORS,
    )

    current = customer_features(con, last)
    scored_at = datetime.now().replace(microsecond=0)
    try:
        propensity_version, propensity_model = load_promoted(con, PROPENSITY_NAME)
        product_version, products_model = load_promoted(con, PRODUCT_NAME)
        unscored = None
    except RegistryError as missing:
        # no model good enough has ever been promoted: score nobody rather than guess
        current, unscored = current.iloc[:0], str(missing)
        propensity_version = product_version = 0
    features = current[CATEGORICAL + NUMERIC]
    probability = propensity_model.predict_proba(features)[:, 1] if len(current) else np.empty(0)
    next_products = products_model.predict(features) if len(current) else np.empty(0, dtype=object)
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
    rows = [
        {
            "model_name": name,
            "is_chosen": name == chosen,
            "evaluated_customers": evaluated_on[name],
            "metric": metric,
            "value": value,
        }
        for name, metrics in evaluated.items()
        for metric, value in metrics.items()
    ] + [
        {
            "model_name": PRODUCT_NAME,
            "is_chosen": True,
            "evaluated_customers": int(products.get("buyers", 0)),
            "metric": metric,
            "value": value,
        }
        for metric, value in products.items()
    ]
    metrics = pd.DataFrame(rows).assign(
        trained_as_of=fit_as_of, evaluated_as_of=test_as_of, computed_at=scored_at
    )
    return CrossSellRun(scores, metrics, chosen, (propensity, product), unscored)
