with source as (
    select * from {{ source('ml', 'value_concentration') }}
),

final as (
    select
        cast(value_decile as integer) as value_decile,
        cast(customers as bigint) as customers,
        cast(value_score_twd as double) as value_score_twd,
        cast(historical_margin_twd as double) as historical_margin_twd,
        cast(expected_future_value_twd as double) as expected_future_value_twd,
        cast(share_of_value as double) as share_of_value,
        cast(share_of_historical_margin as double) as share_of_historical_margin,
        cast(cumulative_share_from_top as double) as cumulative_share_from_top
    from source
)

select * from final
