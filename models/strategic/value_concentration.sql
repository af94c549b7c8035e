-- The paper's value bands (the Royal & SunAlliance case): current customers (a policy in force
-- on the as-of date) in ten equal bands by historical margin, each band's share of their margin
-- and the cumulative share from the top, as `docs/simulator.md` defines the figure; beside it, the
-- same customers in ten bands by value score (margin plus expected future value) and each band's
-- share of their value score. Former customers are not in the bands. The shares are the value
-- model's (`ml.value_concentration`), computed once there.
with deciles as (
    select * from {{ ref('stg_ml__value_concentration') }}
),

final as (
    select
        decile,
        customers,
        historical_margin_twd,
        cast(historical_margin_twd / nullif(customers, 0) as double) as mean_historical_margin_twd,
        share_of_historical_margin,
        cumulative_share_of_historical_margin_from_top,
        value_score_twd,
        cast(value_score_twd / nullif(customers, 0) as double) as mean_value_score_twd,
        share_of_value_score,
        cumulative_share_of_value_score_from_top,
        expected_future_value_twd
    from deciles
)

select * from final
