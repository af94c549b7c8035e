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
        customers.servicing_agent_name,
        customers.servicing_branch,
        customers.is_orphaned,
        customers.work_queue,
        customers.servicing_agent_id is not null as had_agent,
        customers.preferred_channel,
        preferred.channel_name as preferred_channel_name,
        channels.channel_name as complaint_channel_name,
        customers.as_of_date
    from complaints
    inner join customers on complaints.customer_key = customers.customer_key
    left join channels on complaints.channel_key = channels.channel_key
    left join channels as preferred on customers.preferred_channel = preferred.channel_code
),

-- an open complaint goes to a senior handler, a resolved one gets a courtesy contact; a customer
-- without an active servicing agent is given a new one too
{%- set made = "cast(interaction_date as " ~ dbt.type_string() ~ ")" %}
phrased as (
    select
        *,
        case
            when is_resolved
                then
                    'contact the customer ' || {{ by_channel('preferred_channel', 'preferred_channel_name') }}
                    || ' to confirm they are satisfied with how their complaint of ' || {{ made }}
                    || ' was resolved'
            else
                'have a senior handler contact the customer '
                || {{ by_channel('preferred_channel', 'preferred_channel_name') }}
                || ' within 2 working days and resolve their complaint of ' || {{ made }}
        end as action_phrase
    from listed
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
        cast(servicing_agent_name as {{ dbt.type_string() }}) as servicing_agent_name,
        cast(servicing_branch as {{ dbt.type_string() }}) as servicing_branch,
        cast(is_orphaned as boolean) as is_orphaned,
        cast(work_queue as {{ dbt.type_string() }}) as work_queue,
        cast(preferred_channel as {{ dbt.type_string() }}) as preferred_channel,
        cast(
            case when is_resolved then 'Resolved complaint' else 'Open complaint' end
            || ' of ' || cast(interaction_date as {{ dbt.type_string() }})
            || ' (' || {{ by_channel('complaint_channel', 'complaint_channel_name') }}
            || ') from a value-decile ' || cast(value_decile as {{ dbt.type_string() }}) || ' customer'
            || {{ orphan_reason('is_orphaned', 'had_agent') }} || '.'
            as {{ dbt.type_string() }}
        ) as reason,
        cast(
            case
                when is_orphaned
                    then
                        upper(substr(action_phrase, 1, 1)) || substr(action_phrase, 2)
                        || '. Assign the customer a '
                        || case when had_agent then 'new ' else '' end
                        || 'servicing agent.'
                else upper(substr(action_phrase, 1, 1)) || substr(action_phrase, 2) || '.'
            end as {{ dbt.type_string() }}
        ) as recommended_action
    from phrased
)

select * from final
