-- Recent complaints from valuable customers: the quality team's list for immediate corrective
-- action (the paper's tactical information for quality management). Open complaints first,
-- then the most valuable customers.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

complaints as (
    select interactions.*
    from {{ ref('fct_interactions') }} as interactions
    cross join as_of
    where
        interactions.is_complaint
        and interactions.interaction_date <= as_of.as_of_date
        and interactions.interaction_date > {{ dbt.dateadd('day', -var('service_recovery_days'), 'as_of.as_of_date') }}
),

customers as (
    select * from {{ ref('customer_360') }}
    where value_decile >= {{ var('service_recovery_min_value_decile') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

listed as (
    select
        complaints.interaction_id,
        complaints.interaction_date,
        complaints.is_resolved,
        complaints.resolved_date,
        complaints.product_type,
        channels.channel_code as complaint_channel,
        customers.customer_key,
        customers.value_decile,
        customers.value_score_twd,
        customers.lifecycle_stage,
        customers.servicing_agent_id,
        customers.servicing_branch,
        customers.preferred_channel,
        customers.as_of_date
    from complaints
    inner join customers on complaints.customer_key = customers.customer_key
    left join channels on complaints.channel_key = channels.channel_key
),

final as (
    select
        cast(
            row_number() over (
                order by case when is_resolved then 1 else 0 end, value_score_twd desc, interaction_id asc
            ) as integer
        ) as list_rank,
        cast(as_of_date as date) as as_of_date,
        cast(interaction_id as {{ dbt.type_string() }}) as interaction_id,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(interaction_date as date) as complaint_date,
        cast(complaint_channel as {{ dbt.type_string() }}) as complaint_channel,
        cast(product_type as {{ dbt.type_string() }}) as product_type,
        cast(is_resolved as boolean) as is_resolved,
        cast(resolved_date as date) as resolved_date,
        cast(value_decile as integer) as value_decile,
        cast(lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(servicing_agent_id as {{ dbt.type_string() }}) as servicing_agent_id,
        cast(servicing_branch as {{ dbt.type_string() }}) as servicing_branch,
        cast(preferred_channel as {{ dbt.type_string() }}) as preferred_channel,
        cast(
            case when is_resolved then 'resolved complaint' else 'open complaint' end
            || ' of ' || cast(interaction_date as {{ dbt.type_string() }})
            || ' from a value-decile ' || cast(value_decile as {{ dbt.type_string() }}) || ' customer'
            as {{ dbt.type_string() }}
        ) as reason,
        cast(
            case
                when is_resolved then 'courtesy call to confirm the customer is satisfied'
                else 'senior handler to call within 2 working days and resolve'
            end as {{ dbt.type_string() }}
        ) as recommended_action
    from listed
)

select * from final
