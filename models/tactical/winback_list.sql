-- Former customers worth winning back: no policy in force, the last one terminated (lapsed,
-- surrendered, ...) within the last var('winback_months') months, ranked by the value they
-- brought; their value decile is among former customers (`former_customer_value_decile`), as
-- current customers' deciles leave them out. The paper's lifecycle ends in "buys again": the
-- win-back appeal. A lapsed policy can be reinstated; one that ended otherwise (surrendered,
-- matured) is replaced by a new one.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

customers as (
    select * from {{ ref('customer_360') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

-- each customer's latest terminated policy: the one the offer is about
latest_policies as (
    select
        policies.customer_key,
        policies.policy_number,
        policies.policy_status,
        lower(policies.product_name) as product_name,
        row_number() over (
            partition by policies.customer_key
            order by policies.termination_date desc, policies.policy_number desc
        ) as recency
    from {{ ref('dim_policy') }} as policies
    where policies.termination_date is not null
),

former as (
    select
        customers.*,
        latest_policies.policy_number as latest_policy_number,
        latest_policies.policy_status as latest_policy_status,
        latest_policies.product_name as latest_product_name,
        channels.channel_name as preferred_channel_name,
        customers.servicing_agent_id is not null as had_agent
    from customers
    cross join as_of
    left join latest_policies
        on customers.customer_key = latest_policies.customer_key and latest_policies.recency = 1
    left join channels on customers.preferred_channel = channels.channel_code
    where
        customers.lifecycle_stage = 'lapsed'
        and customers.latest_termination_date
        > {{ dbt.dateadd('month', -var('winback_months'), 'as_of.as_of_date') }}
),

-- the most valuable are visited (and offered a premium holiday); the others are made the offer
-- through their preferred channel
phrased as (
    select
        *,
        case
            when former_customer_value_decile >= 8 then 'visit the customer'
            else
                'make the customer a win-back offer '
                || {{ by_channel('preferred_channel', 'preferred_channel_name') }}
        end
        || case
            when latest_policy_status = 'lapsed'
                then
                    ' to reinstate their lapsed ' || latest_product_name || ' policy ' || latest_policy_number
                    || case when former_customer_value_decile >= 8 then ' with a premium holiday' else '' end
            else
                ' for a new policy in place of their ' || coalesce(latest_product_name, 'former')
                || ' policy ' || coalesce(latest_policy_number, '') || ', which ended on '
                || cast(latest_termination_date as {{ dbt.type_string() }})
        end as action_phrase
    from former
),

final as (
    select
        cast(
            row_number() over (order by coalesce(value_score_twd, 0) desc, customer_key) as integer
        ) as list_rank,
        cast(as_of_date as date) as as_of_date,
        customer_key,
        latest_termination_date,
        cast(latest_policy_number as {{ dbt.type_string() }}) as latest_policy_number,
        cast(latest_policy_status as {{ dbt.type_string() }}) as latest_policy_status,
        policies_ever,
        former_customer_value_decile,
        value_score_twd,
        segment_name,
        servicing_agent_id,
        servicing_agent_name,
        servicing_branch,
        is_orphaned,
        work_queue,
        preferred_channel,
        cast(
            'No policy in force since ' || cast(latest_termination_date as {{ dbt.type_string() }})
            || '; value decile ' || coalesce(cast(former_customer_value_decile as {{ dbt.type_string() }}), 'unknown')
            || ' among former customers'
            || {{ orphan_reason('is_orphaned', 'had_agent') }} || '.'
            as {{ dbt.type_string() }}
        ) as reason,
        cast({{ action_sentence('action_phrase', 'is_orphaned', 'had_agent') }} as {{ dbt.type_string() }})
            as recommended_action,
        cast({{ is_control_group('winback_list', 'customer_key', 'as_of_date') }} as boolean)
            as is_control_group
    from phrased
)

select * from final
