-- Where the value is, by customer segment: how many customers, what they hold in force, what
-- they earned the insurer in the last twelve months and overall, their share of the book's value
-- (historical margin plus expected future value), how many sit in the top value decile, and how
-- likely their policies are to lapse. The executives' view of the paper's value concentration,
-- by the segments the data-mining layer found.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

segments as (
    select * from {{ ref('stg_ml__customer_segments') }}
),

customer_value as (
    select * from {{ ref('stg_ml__customer_value') }}
),

relationships as (
    select * from {{ ref('int_customers__relationships') }}
),

lapse_scores as (
    select * from {{ ref('stg_ml__policy_lapse_scores') }}
),

policies as (
    select * from {{ ref('dim_policy') }}
),

customer_lapse as (
    select
        policies.customer_key,
        avg(lapse_scores.lapse_probability_12m) as mean_lapse_probability_12m
    from lapse_scores
    inner join policies on lapse_scores.policy_key = policies.policy_key
    group by policies.customer_key
),

recent_margins as (
    select
        margins.customer_key,
        sum(margins.margin_twd) as margin_12m_twd
    from {{ ref('int_customers__monthly_margins') }} as margins
    cross join as_of
    where margins.month_start_date > {{ dbt.dateadd('month', -12, 'as_of.as_of_date') }}
    group by margins.customer_key
),

by_segment as (
    select
        segments.segment_id,
        segments.segment_name,
        count(*) as customers,
        sum(relationships.policies_in_force) as policies_in_force,
        sum(relationships.annualised_premium_in_force_twd) as annualised_premium_in_force_twd,
        sum(coalesce(recent_margins.margin_12m_twd, 0)) as margin_12m_twd,
        sum(customer_value.value_score_twd) as value_score_twd,
        sum(customer_value.historical_margin_twd) as historical_margin_twd,
        avg(customer_value.value_score_twd) as mean_value_score_twd,
        avg(case when customer_value.value_decile = 10 then cast(1 as double) else 0 end) as share_in_top_value_decile,
        avg(customer_lapse.mean_lapse_probability_12m) as mean_lapse_probability_12m
    from segments
    left join customer_value on segments.customer_key = customer_value.customer_key
    left join relationships on segments.customer_key = relationships.customer_key
    left join customer_lapse on segments.customer_key = customer_lapse.customer_key
    left join recent_margins on segments.customer_key = recent_margins.customer_key
    group by segments.segment_id, segments.segment_name
),

final as (
    select
        cast(segment_id as integer) as segment_id,
        cast(segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(customers as bigint) as customers,
        cast(customers / sum(customers) over () as double) as share_of_customers,
        cast(policies_in_force as bigint) as policies_in_force,
        cast(annualised_premium_in_force_twd as double) as annualised_premium_in_force_twd,
        cast(margin_12m_twd as double) as margin_12m_twd,
        cast(margin_12m_twd / nullif(customers, 0) as double) as margin_12m_per_customer_twd,
        cast(value_score_twd as double) as value_score_twd,
        cast(value_score_twd / sum(value_score_twd) over () as double) as share_of_value,
        cast(historical_margin_twd as double) as historical_margin_twd,
        cast(mean_value_score_twd as double) as mean_value_score_twd,
        cast(share_in_top_value_decile as double) as share_in_top_value_decile,
        cast(mean_lapse_probability_12m as double) as mean_lapse_probability_12m
    from by_segment
)

select * from final
