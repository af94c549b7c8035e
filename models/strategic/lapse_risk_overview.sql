-- What the lapse model expects of the book in force over the next twelve months, by customer
-- segment and sales channel: expected lapses (the sum of the policies' probabilities), the
-- annualised premium at risk (each premium weighted by its probability), and how many policies
-- are risky enough for the retention list.
with scores as (
    select * from {{ ref('stg_ml__policy_lapse_scores') }}
),

policies as (
    select * from {{ ref('dim_policy') }}
),

segments as (
    select * from {{ ref('stg_ml__customer_segments') }}
),

scored as (
    select
        coalesce(segments.segment_name, 'unsegmented') as segment_name,
        policies.channel_code,
        policies.annualised_premium_twd,
        scores.lapse_probability_12m
    from scores
    inner join policies on scores.policy_key = policies.policy_key
    left join segments on policies.customer_key = segments.customer_key
),

final as (
    select
        cast(segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(count(*) as bigint) as policies_scored,
        cast(sum(annualised_premium_twd) as double) as annualised_premium_twd,
        cast(sum(lapse_probability_12m) as double) as expected_lapses_12m,
        cast(avg(lapse_probability_12m) as double) as mean_lapse_probability_12m,
        cast(sum(lapse_probability_12m * annualised_premium_twd) as double) as premium_at_risk_12m_twd,
        cast(
            sum(case when lapse_probability_12m >= {{ var('retention_min_lapse_probability') }} then 1 else 0 end)
            as bigint
        ) as high_risk_policies
    from scored
    group by segment_name, channel_code
)

select * from final
