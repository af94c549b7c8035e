with source as (
    select * from {{ source('ml', 'customer_value') }}
),

final as (
    select
        customer_key,
        cast(as_of_date as date) as as_of_date,
        cast(is_current_customer as boolean) as is_current_customer,
        cast(historical_margin_twd as double) as historical_margin_twd,
        cast(expected_future_value_twd as double) as expected_future_value_twd,
        cast(value_score_twd as double) as value_score_twd,
        cast(historical_margin_decile as integer) as historical_margin_decile,
        cast(value_decile as integer) as value_decile,
        cast(former_customer_value_decile as integer) as former_customer_value_decile
    from source
)

select * from final
