{#- One row per customer, prospects and former customers included: what any channel needs to
    serve a customer without asking twice (the paper's channel integration). Identifying details
    stay in `pii.pii_customers`, joined by customer_key where a front-end is entitled to them. -#}
{%- set contact_channels = ['agent_visit', 'call_centre', 'web', 'app', 'email', 'direct_mail', 'bank_branch'] -%}
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

relationships as (
    select * from {{ ref('int_customers__relationships') }}
),

segments as (
    select * from {{ ref('stg_ml__customer_segments') }}
),

customer_value as (
    select * from {{ ref('stg_ml__customer_value') }}
),

cross_sell as (
    select * from {{ ref('stg_ml__cross_sell_scores') }}
),

agents as (
    select * from {{ ref('dim_agent') }}
),

product_types as (
    select * from {{ ref('product_types') }}
),

interactions as (
    select
        interactions.customer_key,
        interactions.interaction_date,
        interactions.interaction_type,
        interactions.is_complaint,
        interactions.is_resolved,
        channels.channel_code
    from {{ ref('fct_interactions') }} as interactions
    inner join {{ ref('dim_channel') }} as channels on interactions.channel_key = channels.channel_key
    cross join as_of
    where interactions.interaction_date <= as_of.as_of_date
),

contacts as (
    select
        customer_key,
        {%- for channel in contact_channels %}
            max(case when channel_code = '{{ channel }}' then interaction_date end) as last_{{ channel }}_date,
        {%- endfor %}
        max(interaction_date) as last_interaction_date,
        sum(case when is_complaint and not is_resolved then 1 else 0 end) as open_complaints,
        min(case when is_complaint and not is_resolved then interaction_date end) as oldest_open_complaint_date
    from interactions
    group by customer_key
),

-- the channel a customer uses most (the latest on a tie)
channel_use as (
    select
        customer_key,
        channel_code,
        row_number() over (
            partition by customer_key order by count(*) desc, max(interaction_date) desc, channel_code
        ) as preference
    from interactions
    group by customer_key, channel_code
),

latest_interactions as (
    select
        customer_key,
        interaction_type,
        row_number() over (partition by customer_key order by interaction_date desc, interaction_type asc) as recency
    from interactions
),

policy_risk as (
    select
        policies.customer_key,
        max(scores.lapse_probability_12m) as max_lapse_probability_12m
    from {{ ref('stg_ml__policy_lapse_scores') }} as scores
    inner join {{ ref('dim_policy') }} as policies on scores.policy_key = policies.policy_key
    group by policies.customer_key
),

surveys as (
    select
        customer_key,
        csat_score,
        nps_score,
        row_number() over (partition by customer_key order by survey_date desc, survey_id desc) as recency
    from {{ ref('fct_survey_responses') }}
    where respondent_type = 'customer'
),

joined as (
    select
        relationships.*,
        as_of.as_of_date,
        agents.agent_name as servicing_agent_name,
        {{ is_active_agent('agents.agent_key', 'agents.is_terminated', 'agents.branch') }}
            as has_active_servicing_agent,
        product_types.product_type_name as next_best_product_type_name,
        segments.segment_id,
        segments.segment_name,
        customer_value.value_decile,
        customer_value.former_customer_value_decile,
        customer_value.value_score_twd,
        cross_sell.purchase_probability_12m,
        cross_sell.propensity_decile,
        cross_sell.next_best_product_type,
        policy_risk.max_lapse_probability_12m,
        {%- for channel in contact_channels %}
            contacts.last_{{ channel }}_date,
        {%- endfor %}
        contacts.last_interaction_date,
        latest_interactions.interaction_type as last_interaction_type,
        coalesce(contacts.open_complaints, 0) as open_complaints,
        contacts.oldest_open_complaint_date,
        surveys.csat_score as last_csat_score,
        surveys.nps_score as last_nps_score,
        -- the channel they use most, else the contact channel of the sales channel they came by
        coalesce(
            channel_use.channel_code,
            case relationships.first_channel_code
                when 'agent' then 'agent_visit'
                when 'bancassurance' then 'bank_branch'
                when 'telemarketing' then 'call_centre'
                when 'internet' then 'web'
                when 'direct_mail' then 'direct_mail'
            end,
            'direct_mail'
        ) as preferred_channel,
        case
            when relationships.policies_ever = 0 then 'prospect'
            when relationships.policies_in_force = 0 then 'lapsed'
            when
                policy_risk.max_lapse_probability_12m >= {{ var('retention_min_lapse_probability') }}
                or coalesce(contacts.open_complaints, 0) > 0
                then 'at_risk'
            when
                relationships.is_won_back
                and relationships.latest_issue_date > {{ dbt.dateadd('month', -12, 'as_of.as_of_date') }}
                then 'won_back'
            when relationships.first_issue_date > {{ dbt.dateadd('month', -12, 'as_of.as_of_date') }} then 'new'
            else 'active'
        end as lifecycle_stage
    from relationships
    cross join as_of
    left join segments on relationships.customer_key = segments.customer_key
    left join customer_value on relationships.customer_key = customer_value.customer_key
    left join cross_sell on relationships.customer_key = cross_sell.customer_key
    left join agents on relationships.servicing_agent_key = agents.agent_key
    left join product_types on cross_sell.next_best_product_type = product_types.product_type
    left join policy_risk on relationships.customer_key = policy_risk.customer_key
    left join contacts on relationships.customer_key = contacts.customer_key
    left join channel_use on relationships.customer_key = channel_use.customer_key and channel_use.preference = 1
    left join latest_interactions
        on relationships.customer_key = latest_interactions.customer_key and latest_interactions.recency = 1
    left join surveys on relationships.customer_key = surveys.customer_key and surveys.recency = 1
),

-- one next best action, the first that applies: repair, retain, win back, follow up, sell, welcome
actions as (
    select
        *,
        case
            when open_complaints > 0 then 'resolve open complaint'
            when lifecycle_stage = 'at_risk' then 'retention call'
            when
                lifecycle_stage = 'lapsed'
                and latest_termination_date > {{ dbt.dateadd('month', -var('winback_months'), 'as_of_date') }}
                then 'win-back offer'
            when
                lifecycle_stage = 'prospect'
                and last_interaction_date > {{ dbt.dateadd('month', -var('prospect_window_months'), 'as_of_date') }}
                then 'follow up enquiry'
            when propensity_decile >= 9 and next_best_product_type is not null
                then 'offer ' || {{ insurance_kind('next_best_product_type_name') }}
            when lifecycle_stage in ('new', 'won_back') then 'welcome call'
            else 'no action'
        end as next_best_action
    from joined
),

final as (
    select
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(as_of_date as date) as as_of_date,
        cast(lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(segment_id as integer) as segment_id,
        cast(segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(value_decile as integer) as value_decile,
        cast(former_customer_value_decile as integer) as former_customer_value_decile,
        cast(value_score_twd as double) as value_score_twd,
        cast(acquisition_source as {{ dbt.type_string() }}) as acquisition_source,
        cast(first_channel_code as {{ dbt.type_string() }}) as first_sales_channel,
        cast(first_issue_date as date) as first_issue_date,
        cast(policies_ever as integer) as policies_ever,
        cast(policies_in_force as integer) as policies_in_force,
        cast(annualised_premium_in_force_twd as double) as annualised_premium_in_force_twd,
        cast(latest_termination_date as date) as latest_termination_date,
        -- the dimension's unknown member stands for no agent on record
        cast(
            case when servicing_agent_key <> {{ unknown_key() }} then servicing_agent_id end as {{ dbt.type_string() }}
        ) as servicing_agent_id,
        cast(servicing_agent_name as {{ dbt.type_string() }}) as servicing_agent_name,
        cast(coalesce(servicing_branch, 'unassigned') as {{ dbt.type_string() }}) as servicing_branch,
        cast(not has_active_servicing_agent as boolean) as is_orphaned,
        cast(
            {{ work_queue('not has_active_servicing_agent', "coalesce(servicing_branch, 'unassigned')") }}
            as {{ dbt.type_string() }}
        ) as work_queue,
        cast(preferred_channel as {{ dbt.type_string() }}) as preferred_channel,
        {%- for channel in contact_channels %}
            cast(last_{{ channel }}_date as date) as last_{{ channel }}_date,
        {%- endfor %}
        cast(last_interaction_date as date) as last_interaction_date,
        cast(last_interaction_type as {{ dbt.type_string() }}) as last_interaction_type,
        cast(open_complaints as integer) as open_complaints,
        cast(oldest_open_complaint_date as date) as oldest_open_complaint_date,
        cast(last_csat_score as integer) as last_csat_score,
        cast(last_nps_score as integer) as last_nps_score,
        cast(max_lapse_probability_12m as double) as max_lapse_probability_12m,
        cast(purchase_probability_12m as double) as purchase_probability_12m,
        cast(next_best_product_type as {{ dbt.type_string() }}) as next_best_product_type,
        cast(next_best_action as {{ dbt.type_string() }}) as next_best_action
    from actions
)

select * from final
