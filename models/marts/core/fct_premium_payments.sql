{{ config(
    materialized=replace_materialization(),
    incremental_strategy=replace_strategy(),
    unique_key='premium_payment_key',
    on_schema_change='fail'
) }}

-- (read only on incremental runs)
-- depends_on: {{ ref('stg_insurer__policies') }}

-- Incremental: a run takes the installments delivered after the table's latest delivery, new or
-- delivered again (a payment date filled in, a correction), and those of policies delivered
-- again (their keys may have changed), replacing their rows. `days_late` counts to the payment,
-- never to the as-of date, so a row stays true as days pass.
with payments as (
    select * from {{ ref('stg_insurer__premium_payments') }}
    {% if is_incremental() %}
        where
            batch_date > {{ delivered_through() }}
            or policy_number in (
                select policy_number from {{ ref('stg_insurer__policies') }}
                where batch_date > {{ delivered_through() }}
            )
    {% endif %}
),

policies as (
    select
        policy_key,
        policy_number,
        customer_key,
        agent_key,
        product_key,
        channel_key
    from {{ ref('dim_policy') }}
),

final as (
    select
        cast({{ surrogate_key(['payments.payment_id']) }} as {{ dbt.type_string() }}) as premium_payment_key,
        cast(payments.payment_id as {{ dbt.type_string() }}) as payment_id,
        cast(coalesce(policies.policy_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as policy_key,
        cast(coalesce(policies.customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as customer_key,
        cast(coalesce(policies.agent_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as agent_key,
        cast(coalesce(policies.product_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as product_key,
        cast(coalesce(policies.channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(payments.due_date as date) as due_date,
        cast(payments.paid_date as date) as paid_date,
        cast(payments.amount_due_twd as decimal(18, 2)) as amount_due_twd,
        cast(payments.amount_paid_twd as decimal(18, 2)) as amount_paid_twd,
        cast(payments.paid_date is not null as boolean) as is_paid,
        cast(
            {{ dbt.datediff('payments.due_date', 'payments.paid_date', 'day') }}
            as integer
        ) as days_late,
        cast(payments.batch_date as date) as source_batch_date
    from payments
    left join policies on payments.policy_number = policies.policy_number
)

select * from final
