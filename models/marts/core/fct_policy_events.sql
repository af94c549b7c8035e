with events as (
    select * from {{ ref('stg_insurer__policy_events') }}
),

event_types as (
    select * from {{ ref('policy_event_types') }}
),

policies as (
    select * from {{ ref('dim_policy') }}
),

final as (
    select
        cast({{ surrogate_key(['events.event_id']) }} as {{ dbt.type_string() }}) as policy_event_key,
        cast(events.event_id as {{ dbt.type_string() }}) as event_id,
        cast(coalesce(policies.policy_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as policy_key,
        cast(coalesce(policies.customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as customer_key,
        cast(coalesce(policies.agent_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as agent_key,
        cast(coalesce(policies.product_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as product_key,
        cast(coalesce(policies.channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(events.event_type as {{ dbt.type_string() }}) as event_type,
        cast(events.event_date as date) as event_date,
        cast(events.amount_twd as decimal(18, 2)) as amount_twd,
        cast(coalesce(event_types.ends_cover, false) as boolean) as ends_cover,
        cast(
            {{ dbt.datediff('policies.issue_date', 'events.event_date', 'month') }}
            as integer
        ) as months_since_issue
    from events
    left join event_types on events.event_type = event_types.event_type
    left join policies on events.policy_number = policies.policy_number
)

select * from final
