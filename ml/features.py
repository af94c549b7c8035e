"""The lapse model's inputs: dbt's point-in-time policy features and their outcomes.

`features.feat_policies` holds every policy in force and still paying (a paid-up policy cannot
lapse) on three feature dates (the as-of date and one and two years before it), each row built
only from what was known on its date;
`features.feat_policy_outcomes` holds whether it lapsed in the following twelve months.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

CATEGORICAL = [
    "product_type",
    "channel_code",
    "payment_method",
    "premium_mode",
    "acquisition_source",
    "income_band",
    "marital_status",
]
NUMERIC = [
    "age_years",
    "months_since_issue",
    "log_annualised_premium",
    "installments_due_12m",
    "late_installments_12m",
    "unpaid_installments",
    "days_overdue",
    "mean_days_late_12m",
    "complaints_12m",
    "compliments_12m",
    "cancellation_requests_12m",
    "has_unresolved_complaint",
    "complaint_resolved_6m",
    "mean_csat_score",
    "has_survey",
    "children_count",
    "is_orphan",
]
LABEL = "lapsed_in_horizon"

POLICY_FEATURES_SQL = f"""
select
    features.policy_key,
    features.customer_key,
    features.feature_date,
    {", ".join(f"features.{column}" for column in CATEGORICAL)},
    coalesce(features.age_years, 40) as age_years,
    features.months_since_issue,
    ln(1 + features.annualised_premium_twd) as log_annualised_premium,
    features.installments_due_12m,
    features.late_installments_12m,
    features.unpaid_installments,
    features.days_overdue,
    features.mean_days_late_12m,
    features.complaints_12m,
    features.compliments_12m,
    features.cancellation_requests_12m,
    cast(features.has_unresolved_complaint as integer) as has_unresolved_complaint,
    cast(features.complaint_resolved_6m as integer) as complaint_resolved_6m,
    -- no survey yet reads as the middle of the scale, with its own flag
    coalesce(features.mean_csat_score, 3) as mean_csat_score,
    cast(features.mean_csat_score is not null as integer) as has_survey,
    features.children_count,
    cast(features.is_orphan as integer) as is_orphan,
    cast(outcomes.lapsed_within_12m as integer) as {LABEL},
    outcomes.is_observed
from features.feat_policies as features
inner join features.feat_policy_outcomes as outcomes
    on features.policy_key = outcomes.policy_key
    and features.feature_date = outcomes.feature_date
where features.feature_date = $feature_date
order by features.policy_key
"""


def feature_dates(
    con: duckdb.DuckDBPyConnection, table: str = "features.feat_policies"
) -> list[date]:
    """A feature table's dates, earliest first: fit, evaluate, score."""
    rows = con.execute(
        f"select distinct feature_date from {table} order by feature_date"
    ).fetchall()
    if len(rows) != 3:
        raise ValueError(
            f"{table} has rows on {len(rows)} of its 3 feature dates (the as-of date and one "
            "and two years before it): the models need a world of over two years, built by "
            "`lifecrm run`"
        )
    return [day for (day,) in rows]


def check_trainable(labels: pd.Series, as_of: date, what: str, minimum: int = 5) -> None:
    """Refuse to fit on too few events or non-events, saying how many there were."""
    events = int(labels.sum())
    if events < minimum or len(labels) - events < minimum:
        raise ValueError(
            f"cannot train the {what} model as of {as_of}: {events} of {len(labels)} rows had "
            f"the outcome in the next 12 months (need at least {minimum} with and without it); "
            "generate a larger or longer world"
        )


def policy_features(con: duckdb.DuckDBPyConnection, feature_date: date) -> pd.DataFrame:
    """One row per policy in force on `feature_date`, with its features and lapse label."""
    relation = con.sql(POLICY_FEATURES_SQL, params={"feature_date": feature_date})
    return relation.to_arrow_table().to_pandas()
