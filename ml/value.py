"""Customer value: what each customer has earned the insurer, what they are expected to earn,
their value decile, and how value concentrates across the deciles.

- Historical margin: `features.feat_policy_margins` (premiums − investment component − claims
  − commissions − servicing cost) summed over the policies a customer owns.
- Expected future value of an in-force policy: its annualised premium in each remaining
  premium year (at most `MAX_YEARS`), weighted by the chance it is still in force then (the
  lapse model's 12-month probability, held year on year), discounted at `DISCOUNT_RATE`, times
  its product type's margin per premium TWD over the book so far.
- Value score = historical margin + expected future value; decile 10 is the highest tenth.

All of it is SQL in DuckDB, over the lapse scores the model has just written.
"""

from __future__ import annotations

import duckdb

DISCOUNT_RATE = 0.03
MAX_YEARS = 20

CUSTOMER_VALUE_SQL = f"""
create or replace table ml.customer_value as
with margins as (
    select * from features.feat_policy_margins
),

-- the book's margin per premium TWD, by product type
margin_rates as (
    select
        product_type,
        sum(historical_margin_twd) / nullif(sum(premiums_paid_twd), 0) as margin_rate
    from margins
    group by product_type
),

in_force as (
    select
        scores.policy_key,
        policies.customer_key,
        policies.product_type,
        policies.annualised_premium_twd,
        scores.lapse_probability_12m,
        case
            when products.term_years is null then {MAX_YEARS}
            else least(
                {MAX_YEARS},
                greatest(
                    0,
                    ceil(products.term_years - date_diff('day', policies.issue_date,
                                                         scores.as_of_date) / 365.25)
                )
            )
        end as premium_years_left,
        (1 - scores.lapse_probability_12m) / (1 + {DISCOUNT_RATE}) as yearly_factor
    from ml.policy_lapse_scores as scores
    inner join marts.dim_policy as policies on scores.policy_key = policies.policy_key
    left join marts.dim_product as products on policies.product_key = products.product_key
),

-- the present value of one TWD a year over the remaining years t = 1..n, each weighted by
-- the chance of still being in force: sum of factor^t, in closed form
annuities as (
    select
        *,
        case
            when yearly_factor >= 1 then premium_years_left
            else yearly_factor * (1 - pow(yearly_factor, premium_years_left)) / (1 - yearly_factor)
        end as present_value_factor
    from in_force
),

future as (
    select
        annuities.customer_key,
        count(*) as policies_in_force,
        sum(annuities.annualised_premium_twd * annuities.present_value_factor)
            as expected_future_premiums_twd,
        sum(
            annuities.annualised_premium_twd * annuities.present_value_factor
            * coalesce(rates.margin_rate, 0)
        ) as expected_future_value_twd
    from annuities
    left join margin_rates as rates on annuities.product_type = rates.product_type
    group by annuities.customer_key
),

history as (
    select
        customer_key,
        max(as_of_date) as as_of_date,
        sum(premiums_paid_twd) as premiums_paid_twd,
        sum(investment_component_twd) as investment_component_twd,
        sum(claims_paid_twd) as claims_paid_twd,
        sum(commissions_twd) as commissions_twd,
        sum(servicing_cost_twd) as servicing_cost_twd,
        sum(historical_margin_twd) as historical_margin_twd
    from margins
    group by customer_key
),

valued as (
    select
        history.*,
        coalesce(future.policies_in_force, 0) as policies_in_force,
        coalesce(future.expected_future_premiums_twd, 0) as expected_future_premiums_twd,
        coalesce(future.expected_future_value_twd, 0) as expected_future_value_twd,
        history.historical_margin_twd + coalesce(future.expected_future_value_twd, 0)
            as value_score_twd
    from history
    left join future on history.customer_key = future.customer_key
)

select
    *,
    ntile(10) over (order by value_score_twd, customer_key) as value_decile
from valued
order by customer_key
"""

CONCENTRATION_SQL = """
create or replace table ml.value_concentration as
with deciles as (
    select
        value_decile,
        count(*) as customers,
        sum(value_score_twd) as value_score_twd,
        sum(historical_margin_twd) as historical_margin_twd,
        sum(expected_future_value_twd) as expected_future_value_twd
    from ml.customer_value
    group by value_decile
)

select
    *,
    value_score_twd / sum(value_score_twd) over () as share_of_value,
    historical_margin_twd / sum(historical_margin_twd) over () as share_of_historical_margin,
    sum(value_score_twd) over (order by value_decile desc)
        / sum(value_score_twd) over () as cumulative_share_from_top
from deciles
order by value_decile desc
"""


def run(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Rebuild ml.customer_value and ml.value_concentration; returns each decile's share."""
    con.execute("create schema if not exists ml")
    con.execute(CUSTOMER_VALUE_SQL)
    con.execute(CONCENTRATION_SQL)
    rows = con.execute(
        "select value_decile, share_of_value from ml.value_concentration order by value_decile"
    ).fetchall()
    return {f"decile_{decile}": float(share) for decile, share in rows}
