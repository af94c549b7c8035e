"""Customer segmentation: k-means on scaled behavioural, value and demographic features.

The number of segments is chosen in `K_RANGE` by the silhouette score (computed on a fixed
sample, as it costs the square of the rows); the clustering is seeded, so the same data give
the same segments. Each segment gets a profile and a readable name built from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ml.registry import Registered, load_promoted, register

K_RANGE = range(3, 9)
REGISTERED_NAME = "segmentation"
# a clustering no better separated than this is noise, not segments
PROMOTION_FLOORS = {"silhouette": 0.05}
SEED = 0
SILHOUETTE_SAMPLE = 10_000
MIN_CUSTOMERS = 50

CATEGORICAL = ["income_band", "marital_status", "acquisition_source"]
# An insurer's segments are demographic first (life stage, income, family), refined by
# behaviour: age, income band and marital status weigh this many times a behavioural feature.
# (On a 50,000-customer world this lifts the agreement with the true segments from an adjusted
# Rand index of 0.05 to about 0.25.)
DEMOGRAPHIC_NUMERIC = ["age_years"]
DEMOGRAPHIC_CATEGORICAL = ["income_band", "marital_status"]
DEMOGRAPHIC_WEIGHT = 3.0
NUMERIC = [
    "age_years",
    "tenure_months",
    "children_count",
    "policies_in_force",
    "product_types_held",
    "log_annualised_premium",
    "savings_share",
    "bancassurance_share",
    "unpaid_installments_12m",
    "complaints_12m",
]


@dataclass(frozen=True)
class Segmentation:
    assignments: pd.DataFrame  # customer_key, segment_id, segment_name
    profiles: pd.DataFrame  # one row per segment
    k: int
    silhouette: float
    silhouette_by_k: dict[int, float]


def customer_features(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = (
        con.sql(
            """
        select *,
            ln(1 + annualised_premium_in_force_twd) as log_annualised_premium,
            savings_policies_in_force / policies_in_force as savings_share,
            bancassurance_policies_in_force / policies_in_force as bancassurance_share
        from features.feat_customers
        where feature_date = (select max(feature_date) from features.feat_customers)
        order by customer_key
        """
        )
        .to_arrow_table()
        .to_pandas()
    )
    return frame


def _encoder() -> ColumnTransformer:
    behaviour_categorical = [c for c in CATEGORICAL if c not in DEMOGRAPHIC_CATEGORICAL]
    behaviour_numeric = [c for c in NUMERIC if c not in DEMOGRAPHIC_NUMERIC]
    return ColumnTransformer(
        [
            ("demographic_numeric", StandardScaler(), DEMOGRAPHIC_NUMERIC),
            (
                "demographic_categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                DEMOGRAPHIC_CATEGORICAL,
            ),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                behaviour_categorical,
            ),
            ("numeric", StandardScaler(), behaviour_numeric),
        ],
        transformer_weights={
            "demographic_numeric": DEMOGRAPHIC_WEIGHT,
            "demographic_categorical": DEMOGRAPHIC_WEIGHT,
        },
    )


def fit(frame: pd.DataFrame) -> tuple[Pipeline, dict[int, float]]:
    """The k-means pipeline (encoder and clustering) with the best silhouette in `K_RANGE`,
    and the silhouette of every k."""
    if len(frame) < MIN_CUSTOMERS:
        raise ValueError(
            f"cannot segment {len(frame)} customers (need at least {MIN_CUSTOMERS}): "
            "generate a larger world"
        )
    encoder = _encoder().fit(_inputs(frame))
    matrix = encoder.transform(_inputs(frame))
    sample = np.random.default_rng(SEED).permutation(len(matrix))[:SILHOUETTE_SAMPLE]
    fits, silhouettes = {}, {}
    for k in K_RANGE:
        model = KMeans(n_clusters=k, n_init=10, random_state=SEED).fit(matrix)
        fits[k] = model
        silhouettes[k] = float(silhouette_score(matrix[sample], model.labels_[sample]))
    k = max(silhouettes, key=lambda n: (silhouettes[n], -n))  # the fewer segments on a tie
    return Pipeline([("features", encoder), ("kmeans", fits[k])]), silhouettes


def assign(model: Pipeline, frame: pd.DataFrame, silhouettes: dict[int, float]) -> Segmentation:
    """Each customer's segment by `model`, numbered and named from the segments' profiles."""
    labels = _ordered(model.predict(_inputs(frame)), frame["annualised_premium_in_force_twd"])
    profiles = profile(frame.assign(segment_id=labels))
    names = dict(zip(profiles["segment_id"], profiles["segment_name"], strict=True))
    assignments = pd.DataFrame(
        {
            "customer_key": frame["customer_key"],
            "as_of_date": frame["feature_date"],
            "segment_id": labels,
            "segment_name": [names[s] for s in labels],
        }
    )
    k = model.named_steps["kmeans"].n_clusters
    return Segmentation(assignments, profiles, k, silhouettes.get(k, float("nan")), silhouettes)


def segment(frame: pd.DataFrame) -> Segmentation:
    model, silhouettes = fit(frame)
    return assign(model, frame, silhouettes)


def run(con: duckdb.DuckDBPyConnection) -> tuple[Segmentation, Registered]:
    """Fit, record the model in the registry (promoted if its silhouette meets the floor), and
    segment today's customers with the latest promoted model."""
    frame = customer_features(con)
    model, silhouettes = fit(frame)
    k = model.named_steps["kmeans"].n_clusters
    as_of = frame["feature_date"].max()
    registered = register(
        con,
        REGISTERED_NAME,
        model,
        trained_as_of=as_of,
        evaluated_as_of=as_of,
        features=CATEGORICAL + NUMERIC,
        metrics={"silhouette": silhouettes[k], "segments": float(k)},
        floors=PROMOTION_FLOORS,
    )
    _, promoted = load_promoted(con, REGISTERED_NAME)
    return assign(promoted, frame, silhouettes), registered


def _inputs(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[CATEGORICAL + NUMERIC].astype({c: float for c in NUMERIC})


def _ordered(labels: np.ndarray, premium: pd.Series) -> np.ndarray:
    """Number segments 1..k by mean premium in force, highest first: stable names for reruns."""
    means = pd.Series(premium.to_numpy(dtype=float)).groupby(labels).mean()
    rank = {label: i + 1 for i, label in enumerate(means.sort_values(ascending=False).index)}
    return np.array([rank[label] for label in labels])


# what a segment's name may say of it: a feature, and its words for above and below average
TRAITS = {
    "age_years": ("older", "younger"),
    "tenure_months": ("long-standing", "newer"),
    "log_annualised_premium": ("high-premium", "low-premium"),
    "policies_in_force": ("multi-policy", "single-policy"),
    "savings_share": ("savings-minded", "protection-minded"),
    "bancassurance_share": ("bank-sold", "agency-sold"),
    "unpaid_installments_12m": ("late-paying", "prompt-paying"),
    "complaints_12m": ("complaining", "content"),
    "children_count": ("family", "childless"),
}
INCOME_WORDS = {"high": "affluent", "middle": "middle-income", "low": "modest-income"}


def profile(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for segment_id, group in frame.groupby("segment_id"):
        income = group["income_band"].value_counts(normalize=True)
        rows.append(
            {
                "segment_id": int(segment_id),
                "customers": len(group),
                "share_of_customers": len(group) / len(frame),
                "mean_age_years": float(group["age_years"].mean()),
                "mean_annualised_premium_in_force_twd": float(
                    group["annualised_premium_in_force_twd"].astype(float).mean()
                ),
                "mean_policies_in_force": float(group["policies_in_force"].mean()),
                "lapsed_policy_share": float(
                    group["policies_lapsed"].sum() / max(1, group["policies_ever"].sum())
                ),
                "savings_share": float(group["savings_share"].mean()),
                "bancassurance_share": float(group["bancassurance_share"].mean()),
                "top_income_band": income.index[0],
                "top_income_band_share": float(income.iat[0]),
                "top_acquisition_source": group["acquisition_source"].mode().iat[0],
                "segment_name": _name(int(segment_id), group, frame, income),
            }
        )
    return pd.DataFrame(rows)


def _name(segment_id: int, group: pd.DataFrame, frame: pd.DataFrame, income: pd.Series) -> str:
    """The segment's two most distinctive traits (largest standardised distance of its mean
    from everyone's), and its income band when most of it shares one."""
    distance = {
        trait: (group[trait].astype(float).mean() - frame[trait].astype(float).mean())
        / (frame[trait].astype(float).std() or 1.0)
        for trait in TRAITS
    }
    top = sorted(distance, key=lambda t: -abs(distance[t]))[:2]
    words = [TRAITS[t][0] if distance[t] > 0 else TRAITS[t][1] for t in top]
    if income.iat[0] >= 0.6:
        words.append(INCOME_WORDS.get(income.index[0], income.index[0]))
    return f"{segment_id}: " + ", ".join(words)
