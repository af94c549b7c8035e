"""Customer value: what each customer has earned the insurer, what they are expected to earn,
their value decile, and how value concentrates across the deciles.

- Historical margin: `features.feat_policy_margins` (premiums − investment component − claims
  − commissions − servicing cost) summed over the policies a customer owns.
- Expected future value of a policy in force and still paying (the lapse model's scored
  policies; a paid-up one pays no more premium): its annualised premium in each remaining
  premium year (at most `MAX_YEARS`), weighted by the chance it is still in force then (the
  lapse model's 12-month probability, held year on year), discounted at `DISCOUNT_RATE`, times
  its product type's margin per premium TWD over the book so far.
- Value score = historical margin + expected future value.
- Deciles (10 = the highest tenth) rank current customers (a policy in force on the as-of
  date, `marts.dim_policy.is_in_force`) among themselves: `historical_margin_decile` by
  historical margin (the paper's value bands, which `docs/simulator.md` and the truth define)
  and `value_decile` by value score. Former customers, whose margin is all they will bring
  unless won back, are ranked apart: `former_customer_value_decile`, for the win-back list.
- `ml.value_concentration`: each tenth of current customers' share of their historical margin
  (ranked by margin: the published figure) and, beside it, of their value score (ranked by
  value score).

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

current_customers as (
    select distinct customer_key
    from marts.dim_policy
    where is_in_force
),

valued as (
    select
        history.*,
        current_customers.customer_key is not null as is_current_customer,
        coalesce(future.policies_in_force, 0) as policies_in_force,
        coalesce(future.expected_future_premiums_twd, 0) as expected_future_premiums_twd,
        coalesce(future.expected_future_value_twd, 0) as expected_future_value_twd,
        history.historical_margin_twd + coalesce(future.expected_future_value_twd, 0)
            as value_score_twd
    from history
    left join future on history.customer_key = future.customer_key
    left join current_customers on history.customer_key = current_customers.customer_key
)

-- ntile over current customers only (partitioned by the flag, kept for the current ones), and
-- over former customers apart
select
    *,
    case when is_current_customer then ntile(10) over (
        partition by is_current_customer order by historical_margin_twd, customer_key
    ) end as historical_margin_decile,
    case when is_current_customer then ntile(10) over (
        partition by is_current_customer order by value_score_twd, customer_key
    ) end as value_decile,
    case when not is_current_customer then ntile(10) over (
        partition by is_current_customer order by value_score_twd, customer_key
    ) end as former_customer_value_decile
from valued
order by customer_key
"""

CONCENTRATION_SQL = """
create or replace table ml.value_concentration as
with current_customers as (
    select * from ml.customer_value
    where is_current_customer
),

-- the paper's value bands: current customers in tenths by historical margin
by_margin as (
    select
        historical_margin_decile as value_decile,
        count(*) as customers,
        sum(historical_margin_twd) as historical_margin_twd
    from current_customers
    group by historical_margin_decile
),

-- beside them, the same customers in tenths by value score (margin + expected future value)
by_value_score as (
    select
        value_decile,
        sum(value_score_twd) as value_score_twd,
        sum(expected_future_value_twd) as expected_future_value_twd
    from current_customers
    group by value_decile
),

deciles as (
    select
        by_margin.*,
        by_value_score.value_score_twd,
        by_value_score.expected_future_value_twd
    from by_margin
    inner join by_value_score on by_margin.value_decile = by_value_score.value_decile
)

select
    value_decile,
    customers,
    historical_margin_twd,
    historical_margin_twd / sum(historical_margin_twd) over () as share_of_historical_margin,
    sum(historical_margin_twd) over (order by value_decile desc)
        / sum(historical_margin_twd) over () as cumulative_share_of_historical_margin_from_top,
    value_score_twd,
    value_score_twd / sum(value_score_twd) over () as share_of_value,
    sum(value_score_twd) over (order by value_decile desc)
        / sum(value_score_twd) over () as cumulative_share_of_value_from_top,
    expected_future_value_twd
from deciles
order by value_decile desc
"""

# `share_of_value` is the value score's share (the ml model's "value"); dbt's staging model
# publishes it as `share_of_value_score`.


def run(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Rebuild ml.customer_value and ml.value_concentration; returns each decile's share of
    current customers' historical margin (`decile_<n>`) and of their value score
    (`value_score_decile_<n>`)."""
    con.execute("create schema if not exists ml")
    con.execute(CUSTOMER_VALUE_SQL)
    con.execute(CONCENTRATION_SQL)
    rows = con.execute(
        "select value_decile, share_of_historical_margin, share_of_value "
        "from ml.value_concentration order by value_decile"
    ).fetchall()
    shares = {f"decile_{decile}": float(margin) for decile, margin, _ in rows}
    shares |= {f"value_score_decile_{decile}": float(score) for decile, _, score in rows}
    return shares
