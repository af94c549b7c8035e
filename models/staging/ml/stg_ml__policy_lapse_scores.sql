with source as (
    select * from {{ source('ml', 'policy_lapse_scores') }}
),

final as (
    select
        policy_key,
        cast(as_of_date as date) as as_of_date,
        cast(lapse_probability_12m as double) as lapse_probability_12m,
        cast(risk_decile as integer) as risk_decile,
        model_name,
        cast(scored_at as timestamp) as scored_at
    from source
)

select * from final
