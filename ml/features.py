"""Point-in-time policy features for the lapse model, computed in DuckDB from the marts.

Every feature uses only what was known on the as-of date: payments due by then, paid by then.
The label is whether the policy lapsed in the following `horizon_months`.
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
]
NUMERIC = [
    "age_years",
    "months_since_issue",
    "log_annualised_premium",
    "installments_due_12m",
    "late_installments_12m",
    "unpaid_installments",
    "mean_days_late_12m",
    "is_orphan",
]

POLICY_FEATURES_SQL = """
with policies as (
    select * from marts.dim_policy
    where policy_key != '-1'
      and issue_date <= $as_of
      and (termination_date is null or termination_date > $as_of)
),
payments as (
    select
        policy_key,
        due_date,
        case when paid_date <= $as_of then paid_date end as paid_by_as_of
    from marts.fct_premium_payments
    where due_date <= $as_of
),
payment_history as (
    select
        policy_key,
        count(*) filter (where due_date > $as_of - interval 12 month) as installments_due_12m,
        count(*) filter (
            where due_date > $as_of - interval 12 month
              and coalesce(paid_by_as_of, $as_of) - due_date > 15
        ) as late_installments_12m,
        count(*) filter (where paid_by_as_of is null) as unpaid_installments,
        avg(coalesce(paid_by_as_of, $as_of) - due_date)
            filter (where due_date > $as_of - interval 12 month) as mean_days_late_12m
    from payments
    group by policy_key
)
select
    policies.policy_key,
    policies.product_type,
    policies.channel_code,
    policies.payment_method,
    policies.premium_mode,
    coalesce(customers.acquisition_source, 'unknown') as acquisition_source,
    coalesce(customers.income_band, 'unknown') as income_band,
    coalesce(date_diff('year', customers.birth_date, $as_of), 40) as age_years,
    date_diff('month', policies.issue_date, $as_of) as months_since_issue,
    ln(1 + policies.annualised_premium_twd) as log_annualised_premium,
    coalesce(history.installments_due_12m, 0) as installments_due_12m,
    coalesce(history.late_installments_12m, 0) as late_installments_12m,
    coalesce(history.unpaid_installments, 0) as unpaid_installments,
    coalesce(history.mean_days_late_12m, 0) as mean_days_late_12m,
    cast(coalesce(agents.termination_date <= $as_of, false) as integer) as is_orphan,
    cast(
        policies.lapse_date is not null
        and policies.lapse_date <= $as_of + to_months($horizon)
        as integer
    ) as lapsed_in_horizon
from policies
left join marts.dim_customer as customers
    on policies.customer_key = customers.customer_key
    and customers.valid_from <= $as_of
    and (customers.valid_to is null or customers.valid_to > $as_of)
left join marts.dim_agent as agents on policies.agent_key = agents.agent_key
left join payment_history as history on policies.policy_key = history.policy_key
order by policies.policy_key
"""


def policy_features(
    con: duckdb.DuckDBPyConnection, as_of: date, horizon_months: int = 12
) -> pd.DataFrame:
    """One row per policy in force on `as_of`, with features and the lapse label."""
    relation = con.sql(POLICY_FEATURES_SQL, params={"as_of": as_of, "horizon": horizon_months})
    return relation.to_arrow_table().to_pandas()


def last_data_date(con: duckdb.DuckDBPyConnection) -> date:
    """The as-of date the marts describe."""
    rows = con.execute("select max(status_as_of_date) from marts.dim_policy").fetchall()
    if not rows or rows[0][0] is None:
        raise ValueError("marts.dim_policy is empty: build the marts before scoring")
    return rows[0][0]
