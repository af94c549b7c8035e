-- Each campaign judged as the paper asks OLAP to: the treated customers against the randomised
-- control group held out of it. The uplift is the difference in response rates, with a 95%
-- confidence interval by Newcombe's hybrid score method (dbt/macros/proportion_intervals.sql:
-- the normal approximation is too narrow for small control groups with few responders); the
-- incremental premium is what the treated won beyond the control group's rate, and the return
-- on cost divides it by what the contacts cost.
with touches as (
    select * from {{ ref('fct_campaign_touches') }}
),

campaigns as (
    select * from {{ ref('dim_campaign') }}
    where campaign_key <> {{ unknown_key() }}
),

by_group as (
    select
        campaign_key,
        sum(case when not is_control then 1 else 0 end) as treated,
        sum(case when is_control then 1 else 0 end) as control,
        sum(case when not is_control and has_responded then 1 else 0 end) as treated_responses,
        sum(case when is_control and has_responded then 1 else 0 end) as control_responses,
        sum(case when not is_control and has_converted then 1 else 0 end) as treated_conversions,
        sum(case when is_control and has_converted then 1 else 0 end) as control_conversions,
        sum(case when not is_control then coalesce(premium_won_twd, 0) else 0 end) as treated_premium_twd,
        sum(case when is_control then coalesce(premium_won_twd, 0) else 0 end) as control_premium_twd
    from touches
    group by campaign_key
),

rates as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.channel_code,
        campaigns.product_type,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.cost_per_contact_twd,
        by_group.*,
        cast(by_group.treated_responses as double) / nullif(by_group.treated, 0) as treated_response_rate,
        cast(by_group.control_responses as double) / nullif(by_group.control, 0) as control_response_rate,
        cast(by_group.treated_conversions as double) / nullif(by_group.treated, 0) as treated_conversion_rate,
        cast(by_group.control_conversions as double) / nullif(by_group.control, 0) as control_conversion_rate
    from campaigns
    inner join by_group on campaigns.campaign_key = by_group.campaign_key
),

uplift as (
    select
        *,
        treated_response_rate - control_response_rate as response_uplift,
        {{ newcombe_difference_bound('treated_responses', 'treated', 'control_responses', 'control', 'low') }}
            as response_uplift_ci_low,
        {{ newcombe_difference_bound('treated_responses', 'treated', 'control_responses', 'control', 'high') }}
            as response_uplift_ci_high,
        treated_conversion_rate - control_conversion_rate as conversion_uplift,
        treated_premium_twd - control_premium_twd * treated / nullif(control, 0) as incremental_premium_twd,
        treated * cost_per_contact_twd as contact_cost_twd
    from rates
),

final as (
    select
        cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(campaign_type as {{ dbt.type_string() }}) as campaign_type,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(product_type as {{ dbt.type_string() }}) as product_type,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(treated as bigint) as treated_customers,
        cast(control as bigint) as control_customers,
        cast(treated_response_rate as double) as treated_response_rate,
        cast(control_response_rate as double) as control_response_rate,
        cast(response_uplift as double) as response_uplift,
        cast(response_uplift_ci_low as double) as response_uplift_ci_low,
        cast(response_uplift_ci_high as double) as response_uplift_ci_high,
        cast(treated_conversion_rate as double) as treated_conversion_rate,
        cast(control_conversion_rate as double) as control_conversion_rate,
        cast(conversion_uplift as double) as conversion_uplift,
        cast(treated_premium_twd as double) as treated_premium_won_twd,
        cast(incremental_premium_twd as double) as incremental_premium_twd,
        cast(contact_cost_twd as double) as contact_cost_twd,
        cast(incremental_premium_twd / nullif(contact_cost_twd, 0) as double) as return_on_cost
    from uplift
)

select * from final
