with source as (
    select * from {{ source('ml', 'cross_sell_scores') }}
),

final as (
    select
        customer_key,
        cast(as_of_date as date) as as_of_date,
        cast(purchase_probability_12m as double) as purchase_probability_12m,
        cast(propensity_decile as integer) as propensity_decile,
        next_best_product_type,
        model_name,
        cast(scored_at as timestamp) as scored_at
    from source
)

select * from final
