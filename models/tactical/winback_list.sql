-- Former customers worth winning back: no policy in force, the last one terminated (lapsed,
-- surrendered, ...) within the last var('winback_months') months, ranked by the value they
-- brought. The paper's lifecycle ends in "buys again": the win-back appeal.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

customers as (
    select * from {{ ref('customer_360') }}
),

former as (
    select customers.*
    from customers
    cross join as_of
    where
        customers.lifecycle_stage = 'lapsed'
        and customers.latest_termination_date
        > {{ dbt.dateadd('month', -var('winback_months'), 'as_of.as_of_date') }}
),

final as (
    select
        cast(
            row_number() over (order by coalesce(value_score_twd, 0) desc, customer_key) as integer
        ) as list_rank,
        cast(as_of_date as date) as as_of_date,
        customer_key,
        latest_termination_date,
        policies_ever,
        value_decile,
        value_score_twd,
        segment_name,
        servicing_agent_id,
        servicing_branch,
        preferred_channel,
        cast(
            'no policy in force since ' || cast(latest_termination_date as {{ dbt.type_string() }})
            || '; value decile ' || coalesce(cast(value_decile as {{ dbt.type_string() }}), 'unknown')
            as {{ dbt.type_string() }}
        ) as reason,
        cast(
            case
                when value_decile >= 8 then 'agent visit: offer reinstatement with premium holiday'
                else 'win-back offer by ' || preferred_channel
            end as {{ dbt.type_string() }}
        ) as recommended_action,
        cast({{ is_control_group('winback_list', 'customer_key', 'as_of_date') }} as boolean)
            as is_control_group
    from former
)

select * from final
