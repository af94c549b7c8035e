-- Accumulating snapshot: one row per claim, filled in as it is assessed, decided and paid.
with claims as (
    select * from {{ ref('stg_insurer__claims') }}
),

policies as (
    select * from {{ ref('dim_policy') }}
),

final as (
    select
        cast({{ surrogate_key(['claims.claim_id']) }} as {{ dbt.type_string() }}) as claim_key,
        cast(claims.claim_id as {{ dbt.type_string() }}) as claim_id,
        cast(coalesce(policies.policy_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as policy_key,
        cast(coalesce(policies.customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as customer_key,
        cast(
            coalesce(policies.insured_customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}
        ) as insured_customer_key,
        cast(coalesce(policies.agent_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as agent_key,
        cast(coalesce(policies.product_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as product_key,
        cast(coalesce(policies.channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(claims.claim_type as {{ dbt.type_string() }}) as claim_type,
        cast(claims.reported_date as date) as reported_date,
        cast(claims.assessed_date as date) as assessed_date,
        cast(claims.decision_date as date) as decision_date,
        cast(claims.paid_date as date) as paid_date,
        cast(claims.decision as {{ dbt.type_string() }}) as decision,
        cast(claims.decision is null as boolean) as is_open,
        cast(claims.claimed_amount_twd as decimal(18, 2)) as claimed_amount_twd,
        cast(coalesce(claims.paid_amount_twd, 0) as decimal(18, 2)) as paid_amount_twd,
        cast(
            {{ dbt.datediff('claims.reported_date', 'claims.assessed_date', 'day') }}
            as integer
        ) as days_to_assess,
        cast(
            {{ dbt.datediff('claims.reported_date', 'claims.decision_date', 'day') }}
            as integer
        ) as days_to_decide,
        cast(
            {{ dbt.datediff('claims.reported_date', 'claims.paid_date', 'day') }}
            as integer
        ) as days_to_pay
    from claims
    left join policies on claims.policy_number = policies.policy_number
)

select * from final
