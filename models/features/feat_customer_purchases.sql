-- What each row of feat_customers bought in the twelve months after its feature date: the
-- labels the cross-sell model learns from and is judged on, kept apart from the features
-- because they read what happened after the date. `is_observed` is false while the window is
-- still open.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

customers as (
    select * from {{ ref('feat_customers') }}
),

purchases as (
    select
        customers.customer_key,
        customers.feature_date,
        count(*) as policies_bought,
        -- the first product bought in the window, the earliest policy number on a tie (min_by:
        -- DuckDB and Spark both have it, arg_min is DuckDB's name)
        min_by(policies.product_type, policies.issue_date || policies.policy_number)
            as first_product_type
    from customers
    inner join {{ ref('dim_policy') }} as policies
        on
        customers.customer_key = policies.customer_key
        and customers.feature_date < policies.issue_date
        and policies.issue_date <= {{ dbt.dateadd('month', 12, 'customers.feature_date') }}
    where policies.policy_status is distinct from 'free_look_cancellation'
    group by customers.customer_key, customers.feature_date
),

final as (
    select
        cast(customers.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(customers.feature_date as date) as feature_date,
        cast(coalesce(purchases.policies_bought, 0) > 0 as boolean) as bought_within_12m,
        cast(purchases.first_product_type as {{ dbt.type_string() }}) as first_product_type,
        cast(
            {{ dbt.dateadd('month', 12, 'customers.feature_date') }} <= as_of.as_of_date
            as boolean
        ) as is_observed
    from customers
    cross join as_of
    left join purchases
        on
        customers.customer_key = purchases.customer_key
        and customers.feature_date = purchases.feature_date
)

select * from final
