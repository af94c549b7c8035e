-- 13- and 25-month persistency by issue cohort, sales channel, product type and the selling
-- agent's tenure when the policy was issued (new agents' business persists least, the paper's
-- "pulled insurance"). Policy-count basis: policies in force at the milestone over the policies
-- of the cohort whose milestone has passed.
with milestones as (
    select * from {{ ref('fct_policy_persistency') }}
),

agents as (
    select * from {{ ref('dim_agent') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

products as (
    select * from {{ ref('dim_product') }}
),

-- the selling agent's months of service when the policy was issued
agent_months as (
    select distinct
        milestones.policy_key,
        {{ dbt.datediff(
            'agents.hire_date', 'milestones.issue_date', 'month'
        ) }} as months_since_hire
    from milestones
    inner join agents on milestones.agent_key = agents.agent_key
),

banded as (
    select
        milestones.policy_key,
        milestones.milestone_months,
        milestones.is_milestone_reached,
        milestones.is_in_force_at_milestone,
        cast(extract(year from milestones.issue_date) as integer) as issue_year,
        coalesce(channels.channel_code, 'unknown') as channel_code,
        coalesce(products.product_type, 'unknown') as product_type,
        case
            when agents.hire_date is null then 'no agent'
            when agent_months.months_since_hire < 12 then 'under 1 year'
            when agent_months.months_since_hire < 36 then '1-3 years'
            when agent_months.months_since_hire < 60 then '3-5 years'
            else '5 years or more'
        end as agent_tenure_band
    from milestones
    left join agents on milestones.agent_key = agents.agent_key
    left join agent_months on milestones.policy_key = agent_months.policy_key
    left join channels on milestones.channel_key = channels.channel_key
    left join products on milestones.product_key = products.product_key
),

final as (
    select
        issue_year,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(product_type as {{ dbt.type_string() }}) as product_type,
        cast(agent_tenure_band as {{ dbt.type_string() }}) as agent_tenure_band,
        cast(count(distinct policy_key) as bigint) as policies_issued,
        cast(sum(case when milestone_months = 13 and is_milestone_reached then 1 else 0 end) as bigint)
            as policies_at_13m,
        cast(sum(case when milestone_months = 13 and is_in_force_at_milestone then 1 else 0 end) as bigint)
            as policies_persisting_13m,
        cast(sum(case when milestone_months = 25 and is_milestone_reached then 1 else 0 end) as bigint)
            as policies_at_25m,
        cast(sum(case when milestone_months = 25 and is_in_force_at_milestone then 1 else 0 end) as bigint)
            as policies_persisting_25m
    from banded
    group by issue_year, channel_code, product_type, agent_tenure_band
)

select
    *,
    cast(policies_persisting_13m / nullif(policies_at_13m, 0) as double) as persistency_13m,
    cast(policies_persisting_25m / nullif(policies_at_25m, 0) as double) as persistency_25m
from final
