-- The value model's tenths of current customers: by historical margin (the paper's value bands)
-- and, beside them, by value score (`share_of_value` in ml is the value score's share).
with source as (
    select * from {{ source('ml', 'value_concentration') }}
),

final as (
    select
        cast(value_decile as integer) as decile,
        cast(customers as bigint) as customers,
        cast(historical_margin_twd as double) as historical_margin_twd,
        cast(share_of_historical_margin as double) as share_of_historical_margin,
        cast(cumulative_share_of_historical_margin_from_top as double)
            as cumulative_share_of_historical_margin_from_top,
        cast(value_score_twd as double) as value_score_twd,
        cast(share_of_value as double) as share_of_value_score,
        cast(cumulative_share_of_value_from_top as double) as cumulative_share_of_value_score_from_top,
        cast(expected_future_value_twd as double) as expected_future_value_twd
    from source
)

select * from final
