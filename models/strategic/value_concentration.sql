-- The paper's value bands (the Royal & SunAlliance case): customers in ten equal bands by value
-- score, each band's share of the book's value and the cumulative share from the top. The
-- shares are the value model's (`ml.value_concentration`), computed once there.
with deciles as (
    select * from {{ ref('stg_ml__value_concentration') }}
),

final as (
    select
        value_decile,
        customers,
        value_score_twd,
        cast(value_score_twd / nullif(customers, 0) as double) as mean_value_score_twd,
        share_of_value,
        cumulative_share_from_top,
        historical_margin_twd,
        share_of_historical_margin,
        expected_future_value_twd
    from deciles
)

select * from final
