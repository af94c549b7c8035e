-- The customers most likely to buy another policy in the next 12 months, with the product to
-- offer and who should call: the campaign team's and agents' lead list. A customer who already
-- holds the suggested product type in force is flagged, as the offer is then a top-up. Value,
-- segment, servicing agent and contact channel come from the customer 360.
with scores as (
    select * from {{ ref('stg_ml__cross_sell_scores') }}
),

customers as (
    select * from {{ ref('customer_360') }}
),

agents as (
    select * from {{ ref('dim_agent') }}
),

holds as (
    select distinct
        customer_key,
        product_type
    from {{ ref('dim_policy') }}
    where is_in_force
),

ranked as (
    select
        scores.customer_key,
        scores.purchase_probability_12m,
        scores.next_best_product_type,
        scores.as_of_date,
        customers.value_decile,
        customers.segment_name,
        agents.agent_id,
        agents.agent_name,
        agents.branch,
        holds.product_type is not null as holds_product_type,
        customers.preferred_channel,
        row_number() over (
            order by scores.purchase_probability_12m desc, scores.customer_key asc
        ) as lead_rank
    from scores
    left join customers on scores.customer_key = customers.customer_key
    -- the agent of their latest policy in force; without one, the call centre calls
    left join agents
        on customers.servicing_agent_id = agents.agent_id and customers.policies_in_force > 0
    left join holds
        on
        scores.customer_key = holds.customer_key
        and scores.next_best_product_type = holds.product_type
),

final as (
    select
        cast(lead_rank as integer) as lead_rank,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(purchase_probability_12m as double) as purchase_probability_12m,
        cast(next_best_product_type as {{ dbt.type_string() }}) as next_best_product_type,
        cast(holds_product_type as boolean) as holds_product_type,
        cast(value_decile as integer) as value_decile,
        cast(segment_name as {{ dbt.type_string() }}) as segment_name,
        cast(agent_id as {{ dbt.type_string() }}) as servicing_agent_id,
        cast(agent_name as {{ dbt.type_string() }}) as servicing_agent_name,
        cast(coalesce(branch, 'unassigned') as {{ dbt.type_string() }}) as servicing_branch,
        cast(preferred_channel as {{ dbt.type_string() }}) as preferred_channel,
        cast(as_of_date as date) as as_of_date,
        cast(
            'purchase probability ' || cast(round(purchase_probability_12m, 2) as {{ dbt.type_string() }})
            || '; best next product ' || next_best_product_type
            || case when holds_product_type then ' (already held: a top-up)' else '' end
            as {{ dbt.type_string() }}
        ) as reason,
        cast(
            case when agent_id is null then 'call centre' else 'servicing agent' end
            || ' to offer ' || next_best_product_type || ' by ' || preferred_channel
            as {{ dbt.type_string() }}
        ) as recommended_action,
        cast({{ is_control_group('cross_sell_list', 'customer_key', 'as_of_date') }} as boolean)
            as is_control_group
    from ranked
    where lead_rank <= {{ var('cross_sell_list_size') }}
)

select * from final
