with payments as (
    select * from {{ ref('stg_insurer__premium_payments') }}
),

policies as (
    select policy_key, policy_number, customer_key, agent_key, product_key, channel_key from {{ ref('dim_policy') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

final as (
    select
        cast({{ surrogate_key(['payments.payment_id']) }} as varchar) as premium_payment_key,
        cast(payments.payment_id as varchar) as payment_id,
        cast(coalesce(policies.policy_key, {{ unknown_key() }}) as varchar) as policy_key,
        cast(coalesce(policies.customer_key, {{ unknown_key() }}) as varchar) as customer_key,
        cast(coalesce(policies.agent_key, {{ unknown_key() }}) as varchar) as agent_key,
        cast(coalesce(policies.product_key, {{ unknown_key() }}) as varchar) as product_key,
        cast(coalesce(policies.channel_key, {{ unknown_key() }}) as varchar) as channel_key,
        cast(payments.due_date as date) as due_date,
        cast(payments.paid_date as date) as paid_date,
        cast(payments.amount_due_twd as decimal(18, 2)) as amount_due_twd,
        cast(payments.amount_paid_twd as decimal(18, 2)) as amount_paid_twd,
        cast(payments.paid_date is not null as boolean) as is_paid,
        cast(
            {{ dbt.datediff('payments.due_date', 'coalesce(payments.paid_date, as_of.as_of_date)', 'day') }}
            as integer
        ) as days_late
    from payments
    cross join as_of
    left join policies on payments.policy_number = policies.policy_number
)

select * from final
