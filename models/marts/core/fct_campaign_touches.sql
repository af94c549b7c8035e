-- One row per customer a campaign selected, contacted (treatment) or held out (control).
with touches as (
    select * from {{ ref('stg_insurer__campaign_touches') }}
),

customers as (
    select
        customer_id,
        customer_key
    from {{ ref('stg_insurer__customers') }}
),

campaigns as (
    select
        campaign_key,
        campaign_id,
        channel_key
    from {{ ref('dim_campaign') }}
),

policies as (
    select
        policy_key,
        policy_number
    from {{ ref('dim_policy') }}
),

final as (
    select
        cast({{ surrogate_key(['touches.touch_id']) }} as {{ dbt.type_string() }}) as campaign_touch_key,
        cast(touches.touch_id as {{ dbt.type_string() }}) as touch_id,
        cast(coalesce(campaigns.campaign_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as campaign_key,
        cast(coalesce(campaigns.channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(coalesce(customers.customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as customer_key,
        cast(coalesce(policies.policy_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as won_policy_key,
        cast(touches.touch_date as date) as touch_date,
        cast(case when touches.is_control then 'control' else 'treatment' end as {{ dbt.type_string() }}) as test_group,
        cast(touches.is_control as boolean) as is_control,
        cast(touches.has_responded as boolean) as has_responded,
        cast(touches.response_date as date) as response_date,
        cast(touches.has_converted as boolean) as has_converted,
        cast(coalesce(touches.premium_won_twd, 0) as decimal(18, 2)) as premium_won_twd,
        cast(
            {{ dbt.datediff('touches.touch_date', 'touches.response_date', 'day') }}
            as integer
        ) as days_to_response
    from touches
    left join customers on touches.customer_id = customers.customer_id
    left join campaigns on touches.campaign_id = campaigns.campaign_id
    left join policies on touches.policy_number = policies.policy_number
)

select * from final
