-- What each customer earned the insurer in each month, by the rules of the policy margin
-- (`feat_policy_margins`): premiums paid, less their investment component, commissions (the
-- product's first-year rate on the first year's premiums, its renewal rate after), claims paid,
-- and the servicing cost of each policy-month in force (a twelfth of the cost per policy-year).
-- A free-look cancellation refunds its premium, so it earns nothing (dim_policy's
-- is_premium_refunded, the one definition).
with policies as (
    select
        policies.policy_key,
        policies.customer_key,
        policies.issue_date,
        policies.is_premium_refunded,
        products.first_year_commission_rate,
        products.renewal_commission_rate,
        products.servicing_cost_per_policy_year_twd,
        products.investment_component_rate
    from {{ ref('dim_policy') }} as policies
    left join {{ ref('dim_product') }} as products on policies.product_key = products.product_key
    where policies.policy_key <> {{ unknown_key() }}
),

premiums as (
    select
        policies.customer_key,
        {{ dbt.date_trunc('month', 'payments.paid_date') }} as month_start_date,
        payments.amount_paid_twd as premiums_twd,
        payments.amount_paid_twd * policies.investment_component_rate as investment_component_twd,
        payments.amount_paid_twd
        * case
            when payments.due_date < {{ dbt.dateadd('month', 12, 'policies.issue_date') }}
                then policies.first_year_commission_rate
            else policies.renewal_commission_rate
        end as commissions_twd,
        0 as claims_twd,
        0 as servicing_cost_twd
    from {{ ref('fct_premium_payments') }} as payments
    inner join policies on payments.policy_key = policies.policy_key
    where payments.paid_date is not null and not policies.is_premium_refunded
),

claims as (
    select
        customer_key,
        {{ dbt.date_trunc('month', 'paid_date') }} as month_start_date,
        0 as premiums_twd,
        0 as investment_component_twd,
        0 as commissions_twd,
        paid_amount_twd as claims_twd,
        0 as servicing_cost_twd
    from {{ ref('fct_claims') }}
    where paid_date is not null
),

servicing as (
    select
        months.customer_key,
        months.month_start_date,
        0 as premiums_twd,
        0 as investment_component_twd,
        0 as commissions_twd,
        0 as claims_twd,
        -- in doubles: Spark divides decimals to six places, DuckDB in doubles
        cast(policies.servicing_cost_per_policy_year_twd as double) / 12 as servicing_cost_twd
    from {{ ref('fct_policy_months') }} as months
    inner join policies on months.policy_key = policies.policy_key
    where months.is_in_force
),

flows as (
    select * from premiums
    union all
    select * from claims
    union all
    select * from servicing
),

final as (
    select
        customer_key,
        cast(month_start_date as date) as month_start_date,
        cast(sum(premiums_twd) as double) as premiums_paid_twd,
        cast(sum(commissions_twd) as double) as commissions_twd,
        cast(sum(investment_component_twd) as double) as investment_component_twd,
        cast(sum(claims_twd) as double) as claims_paid_twd,
        cast(sum(servicing_cost_twd) as double) as servicing_cost_twd,
        cast(
            sum(premiums_twd) - sum(investment_component_twd) - sum(commissions_twd)
            - sum(claims_twd) - sum(coalesce(servicing_cost_twd, 0))
            as double
        ) as margin_twd
    from flows
    group by customer_key, month_start_date
)

select * from final
