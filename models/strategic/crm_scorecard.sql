{#- The paper's four criteria side by side: quality -> satisfaction -> loyalty -> profit. Each
    measure is first reduced to a numerator and a denominator per month, customer segment and
    sales channel, so that every roll-up (all segments, all channels, both) is the exact ratio of
    sums rather than an average of averages. -#}
{%- set measures = [
    'complaint_resolution_days', 'claim_turnaround_days', 'underwriting_turnaround_days',
    'service_requests_on_time', 'csat', 'nps', 'persistency_13m', 'persistency_25m',
    'tenure_months', 'repeat_purchase_rate', 'referral_share', 'margin_twd',
] -%}
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

relationships as (
    select * from {{ ref('int_customers__relationships') }}
),

segments as (
    select * from {{ ref('stg_ml__customer_segments') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

policies as (
    select * from {{ ref('dim_policy') }}
    where policy_key <> {{ unknown_key() }} and issue_date is not null
),

-- who each customer is for the scorecard: their segment and the sales channel they came by
customer_groups as (
    select
        relationships.customer_key,
        coalesce(segments.segment_name, 'unsegmented') as segment_name,
        coalesce(relationships.first_channel_code, 'none') as channel_code
    from relationships
    left join segments on relationships.customer_key = segments.customer_key
),

complaints as (
    select
        {{ dbt.date_trunc('month', 'resolved_date') }} as month_start_date,
        customer_key,
        'complaint_resolution_days' as measure,
        cast(resolution_days as double) as numerator,
        1.0 as denominator
    from {{ ref('fct_interactions') }}
    where is_complaint and is_resolved
),

-- a service request is on time when resolved within the service level; one whose deadline has
-- passed unresolved counts as late
service_requests as (
    select
        {{ dbt.date_trunc('month', 'interactions.interaction_date') }} as month_start_date,
        interactions.customer_key,
        'service_requests_on_time' as measure,
        case
            when
                interactions.is_resolved
                and interactions.resolution_days <= {{ var('service_request_sla_days') }}
                then 1.0
            else 0.0
        end as numerator,
        1.0 as denominator
    from {{ ref('fct_interactions') }} as interactions
    cross join as_of
    where
        interactions.interaction_type = 'service_request'
        and {{ dbt.dateadd('day', var('service_request_sla_days'), 'interactions.interaction_date') }}
        <= as_of.as_of_date
),

surveys as (
    select * from {{ ref('fct_survey_responses') }}
    where respondent_type = 'customer'
),

csat as (
    select
        {{ dbt.date_trunc('month', 'survey_date') }} as month_start_date,
        customer_key,
        'csat' as measure,
        cast(csat_score as double) as numerator,
        1.0 as denominator
    from surveys
    where csat_score is not null
),

-- net promoter score in points: promoters minus detractors, per hundred respondents
nps as (
    select
        {{ dbt.date_trunc('month', 'survey_date') }} as month_start_date,
        customer_key,
        'nps' as measure,
        case when nps_score >= 9 then 100.0 when nps_score <= 6 then -100.0 else 0.0 end as numerator,
        1.0 as denominator
    from surveys
    where nps_score is not null
),

-- the policy-grain measures, grouped by the policy's own sales channel
claims as (
    select
        {{ dbt.date_trunc('month', 'decision_date') }} as month_start_date,
        customer_key,
        channel_key,
        'claim_turnaround_days' as measure,
        cast(days_to_decide as double) as numerator,
        1.0 as denominator
    from {{ ref('fct_claims') }}
    where decision_date is not null
),

underwriting as (
    select
        {{ dbt.date_trunc('month', 'decision_date') }} as month_start_date,
        customer_key,
        channel_key,
        'underwriting_turnaround_days' as measure,
        cast(days_to_decision as double) as numerator,
        1.0 as denominator
    from {{ ref('fct_applications') }}
    where is_decided
),

persistency as (
    select
        {{ dbt.date_trunc('month', 'milestone_date') }} as month_start_date,
        customer_key,
        channel_key,
        'persistency_' || cast(milestone_months as {{ dbt.type_string() }}) || 'm' as measure,
        case when is_in_force_at_milestone then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from {{ ref('fct_policy_persistency') }}
    where is_milestone_reached
),

-- a purchase is a repeat purchase when its owner already held an earlier policy
purchases as (
    select
        {{ dbt.date_trunc('month', 'issue_date') }} as month_start_date,
        customer_key,
        channel_key,
        'repeat_purchase_rate' as measure,
        case
            when row_number() over (partition by customer_key order by issue_date, policy_number) > 1
                then 1.0
            else 0.0
        end as numerator,
        1.0 as denominator
    from policies
),

new_customers as (
    select
        {{ dbt.date_trunc('month', 'first_issue_date') }} as month_start_date,
        customer_key,
        'referral_share' as measure,
        case when acquisition_source = 'referral' then 1.0 else 0.0 end as numerator,
        1.0 as denominator
    from relationships
    where first_issue_date is not null
),

-- tenure of the customers with a policy in force at each month's end, in months since their
-- first policy's issue month
customer_months as (
    select distinct
        months.month_start_date,
        months.customer_key
    from {{ ref('fct_policy_months') }} as months
    where months.is_in_force
),

tenure as (
    select
        customer_months.month_start_date,
        customer_months.customer_key,
        'tenure_months' as measure,
        cast(
            {{ dbt.datediff(
                dbt.date_trunc('month', 'relationships.first_issue_date'),
                'customer_months.month_start_date',
                'month'
            ) }} as double
        ) as numerator,
        1.0 as denominator
    from customer_months
    inner join relationships on customer_months.customer_key = relationships.customer_key
),

-- the month's margin (a sum: its per-customer figure divides by the customers in force)
margins as (
    select
        month_start_date,
        customer_key,
        'margin_twd' as measure,
        margin_twd as numerator,
        cast(null as double) as denominator
    from {{ ref('int_customers__monthly_margins') }}
),

customer_measures as (
    select * from complaints
    union all
    select * from service_requests
    union all
    select * from csat
    union all
    select * from nps
    union all
    select * from new_customers
    union all
    select * from tenure
    union all
    select * from margins
),

policy_measures as (
    select * from claims
    union all
    select * from underwriting
    union all
    select * from persistency
    union all
    select * from purchases
),

grouped as (
    select
        customer_measures.month_start_date,
        coalesce(customer_groups.segment_name, 'unsegmented') as segment_name,
        coalesce(customer_groups.channel_code, 'none') as channel_code,
        customer_measures.measure,
        customer_measures.numerator,
        customer_measures.denominator
    from customer_measures
    left join customer_groups on customer_measures.customer_key = customer_groups.customer_key
    union all
    select
        policy_measures.month_start_date,
        coalesce(customer_groups.segment_name, 'unsegmented') as segment_name,
        coalesce(channels.channel_code, 'none') as channel_code,
        policy_measures.measure,
        policy_measures.numerator,
        policy_measures.denominator
    from policy_measures
    left join customer_groups on policy_measures.customer_key = customer_groups.customer_key
    left join channels on policy_measures.channel_key = channels.channel_key
),

-- every cell, then each roll-up ('all' segments, 'all' channels, both), as sums
rolled_up as (
    {%- for segment, channel in [
        ('grouped.segment_name', 'grouped.channel_code'),
        ('grouped.segment_name', "'all'"),
        ("'all'", 'grouped.channel_code'),
        ("'all'", "'all'"),
    ] %}
        select
            grouped.month_start_date,
            {{ segment }},
            {{ channel }},
        {%- for measure in measures %}
            sum(case when grouped.measure = '{{ measure }}' then grouped.numerator end) as {{ measure }}_numerator,
            sum(case when grouped.measure = '{{ measure }}' then grouped.denominator end) as {{ measure }}_denominator
            {{- "," if not loop.last }}
        {%- endfor %}
        from grouped
        cross join as_of
        where grouped.month_start_date <= as_of.as_of_date
        group by 1, 2, 3
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        cast(month_start_date as date) as month_start_date,
        cast(segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        -- quality
        cast(complaint_resolution_days_numerator / nullif(complaint_resolution_days_denominator, 0) as double)
            as complaint_resolution_days,
        cast(complaint_resolution_days_denominator as bigint) as complaints_resolved,
        cast(claim_turnaround_days_numerator / nullif(claim_turnaround_days_denominator, 0) as double)
            as claim_turnaround_days,
        cast(
            underwriting_turnaround_days_numerator / nullif(underwriting_turnaround_days_denominator, 0)
            as double
        ) as underwriting_turnaround_days,
        cast(service_requests_on_time_numerator / nullif(service_requests_on_time_denominator, 0) as double)
            as service_requests_on_time_share,
        -- satisfaction
        cast(csat_numerator / nullif(csat_denominator, 0) as double) as csat_mean,
        cast(nps_numerator / nullif(nps_denominator, 0) as double) as nps,
        cast(csat_denominator as bigint) as survey_responses,
        -- loyalty
        cast(persistency_13m_numerator / nullif(persistency_13m_denominator, 0) as double)
            as persistency_13m,
        cast(persistency_13m_denominator as bigint) as policies_at_13m,
        cast(persistency_25m_numerator / nullif(persistency_25m_denominator, 0) as double)
            as persistency_25m,
        cast(persistency_25m_denominator as bigint) as policies_at_25m,
        cast(tenure_months_numerator / nullif(tenure_months_denominator, 0) as double)
            as mean_tenure_months,
        cast(tenure_months_denominator as bigint) as customers_in_force,
        cast(repeat_purchase_rate_numerator / nullif(repeat_purchase_rate_denominator, 0) as double)
            as repeat_purchase_rate,
        cast(repeat_purchase_rate_denominator as bigint) as policies_issued,
        cast(referral_share_numerator / nullif(referral_share_denominator, 0) as double)
            as referral_share_of_new_customers,
        cast(referral_share_denominator as bigint) as new_customers,
        -- profit
        cast(margin_twd_numerator as double) as margin_twd,
        cast(margin_twd_numerator / nullif(tenure_months_denominator, 0) as double)
            as margin_per_customer_twd
    from rolled_up
)

select * from final
