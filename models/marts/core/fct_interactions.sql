{{ config(
    materialized=replace_materialization(),
    incremental_strategy=replace_strategy(),
    unique_key='interaction_key',
    on_schema_change='fail'
) }}

-- (read only on incremental runs)
-- depends_on: {{ ref('stg_insurer__customers') }}
-- depends_on: {{ ref('stg_insurer__policies') }}
-- depends_on: {{ ref('stg_insurer__agents') }}

-- Incremental: a run takes the interactions delivered after the table's latest delivery (new,
-- or delivered again with their resolution), and those whose customer, policy or agent was
-- delivered since (a late row may turn an unknown key into a known one).
with interactions as (
    select * from {{ ref('stg_insurer__interactions') }}
    {% if is_incremental() %}
        where
            batch_date > {{ delivered_through() }}
            or customer_id in (
                select customer_id from {{ ref('stg_insurer__customers') }}
                where batch_date > {{ delivered_through() }}
            )
            or policy_number in (
                select policy_number from {{ ref('stg_insurer__policies') }}
                where batch_date > {{ delivered_through() }}
            )
            or agent_id in (
                select agent_id from {{ ref('stg_insurer__agents') }}
                where batch_date > {{ delivered_through() }}
            )
    {% endif %}
),

customers as (
    select
        customer_id,
        customer_key
    from {{ ref('stg_insurer__customers') }}
),

policies as (
    select
        policy_key,
        policy_number
    from {{ ref('dim_policy') }}
),

agents as (
    select
        agent_key,
        agent_id
    from {{ ref('dim_agent') }}
),

channels as (
    select
        channel_key,
        channel_code
    from {{ ref('dim_channel') }}
),

final as (
    select
        cast({{ surrogate_key(['interactions.interaction_id']) }} as {{ dbt.type_string() }}) as interaction_key,
        cast(interactions.interaction_id as {{ dbt.type_string() }}) as interaction_id,
        cast(coalesce(customers.customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as customer_key,
        cast(coalesce(policies.policy_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as policy_key,
        cast(coalesce(agents.agent_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as agent_key,
        cast(coalesce(channels.channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(interactions.interaction_type as {{ dbt.type_string() }}) as interaction_type,
        cast(interactions.product_type as {{ dbt.type_string() }}) as product_type,
        cast(interactions.interaction_date as date) as interaction_date,
        cast(interactions.outcome as {{ dbt.type_string() }}) as outcome,
        cast(interactions.resolved_date as date) as resolved_date,
        cast(interactions.interaction_type = 'complaint' as boolean) as is_complaint,
        cast(interactions.resolved_date is not null as boolean) as is_resolved,
        cast(
            {{ dbt.datediff('interactions.interaction_date', 'interactions.resolved_date', 'day') }}
            as integer
        ) as resolution_days,
        cast(interactions.batch_date as date) as source_batch_date
    from interactions
    left join customers on interactions.customer_id = customers.customer_id
    left join policies on interactions.policy_number = policies.policy_number
    left join agents on interactions.agent_id = agents.agent_id
    left join channels on interactions.contact_channel_code = channels.channel_code
)

select * from final
