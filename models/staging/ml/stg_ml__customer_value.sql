with source as (
    select * from {{ source('ml', 'customer_value') }}
),

final as (
    select
        customer_key,
        cast(as_of_date as date) as as_of_date,
        cast(historical_margin_twd as double) as historical_margin_twd,
        cast(expected_future_value_twd as double) as expected_future_value_twd,
        cast(value_score_twd as double) as value_score_twd,
        cast(value_decile as integer) as value_decile
    from source
)

select * from final
