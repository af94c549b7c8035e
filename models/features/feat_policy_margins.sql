-- What each policy issued by the as-of date has earned the insurer by then: premiums paid, less
-- their investment component (the product's share that builds the policyholder's account
-- value), claims paid, commissions (the product's first-year rate on the first year's premiums,
-- its renewal rate after) and servicing cost (finance's cost per policy-year in force).
-- Maturity and surrender payouts repay the account value, so, like the investment component,
-- they are neither revenue nor cost. The customer value model sums it per owner.
-- A free-look cancellation refunds its premium, so it earns nothing.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

policies as (
    select policies.*
    from {{ ref('dim_policy') }} as policies
    cross join as_of
    where policies.policy_key <> {{ unknown_key() }} and policies.issue_date <= as_of.as_of_date
),

premiums as (
    select
        payments.policy_key,
        sum(payments.amount_paid_twd) as premiums_paid_twd,
        sum(payments.amount_paid_twd * products.investment_component_rate)
            as investment_component_twd,
        sum(
            payments.amount_paid_twd
            * case
                when payments.due_date < {{ dbt.dateadd('month', 12, 'policies.issue_date') }}
                    then products.first_year_commission_rate
                else products.renewal_commission_rate
            end
        ) as commissions_twd
    from {{ ref('fct_premium_payments') }} as payments
    cross join as_of
    inner join policies on payments.policy_key = policies.policy_key
    inner join {{ ref('dim_product') }} as products on policies.product_key = products.product_key
    where payments.paid_date <= as_of.as_of_date
    group by payments.policy_key
),

claims as (
    select
        claims.policy_key,
        sum(claims.paid_amount_twd) as claims_paid_twd
    from {{ ref('fct_claims') }} as claims
    cross join as_of
    where claims.paid_date <= as_of.as_of_date
    group by claims.policy_key
),

final as (
    select
        cast(policies.policy_key as {{ dbt.type_string() }}) as policy_key,
        cast(policies.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(policies.product_type as {{ dbt.type_string() }}) as product_type,
        cast(as_of.as_of_date as date) as as_of_date,
        cast(
            case
                when policies.is_premium_refunded then 0
                else coalesce(premiums.premiums_paid_twd, 0)
            end as double
        ) as premiums_paid_twd,
        cast(
            case
                when policies.is_premium_refunded then 0
                else coalesce(premiums.investment_component_twd, 0)
            end as double
        ) as investment_component_twd,
        cast(coalesce(claims.claims_paid_twd, 0) as double) as claims_paid_twd,
        cast(
            case
                when policies.is_premium_refunded then 0
                else coalesce(premiums.commissions_twd, 0)
            end as double
        ) as commissions_twd,
        -- in doubles: Spark divides decimals to six places, DuckDB in doubles
        cast({{ dbt.datediff(
            'policies.issue_date',
            'least(coalesce(policies.termination_date, as_of.as_of_date), as_of.as_of_date)',
            'day'
        ) }} as double) / 365.25
        * cast(products.servicing_cost_per_policy_year_twd as double) as servicing_cost_twd
    from policies
    cross join as_of
    left join {{ ref('dim_product') }} as products on policies.product_key = products.product_key
    left join premiums on policies.policy_key = premiums.policy_key
    left join claims on policies.policy_key = claims.policy_key
)

select
    *,
    premiums_paid_twd - investment_component_twd - claims_paid_twd - commissions_twd
    - coalesce(servicing_cost_twd, 0) as historical_margin_twd
from final
