-- The customers most likely to buy another policy in the next 12 months, with the product to
-- offer and who should call: the campaign team's and agents' lead list. A customer who already
-- holds the suggested product type in force is flagged, as the offer is then a top-up. Value,
-- segment, servicing agent (or the reassignment queue without an active one) and contact channel
-- come from the customer 360.
with scores as (
    select * from {{ ref('stg_ml__cross_sell_scores') }}
),

customers as (
    select * from {{ ref('customer_360') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

product_types as (
    select * from {{ ref('product_types') }}
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
        product_types.product_type_name as next_best_product_type_name,
        scores.as_of_date,
        customers.value_decile,
        customers.segment_name,
        customers.servicing_agent_id,
        customers.servicing_agent_name,
        customers.servicing_branch,
        coalesce(customers.is_orphaned, true) as is_orphaned,
        coalesce(customers.work_queue, {{ reassignment_queue() }}) as work_queue,
        customers.servicing_agent_id is not null as had_agent,
        holds.product_type is not null as holds_product_type,
        coalesce(customers.preferred_channel, 'direct_mail') as preferred_channel,
        channels.channel_name as preferred_channel_name,
        row_number() over (
            order by scores.purchase_probability_12m desc, scores.customer_key asc
        ) as lead_rank
    from scores
    left join customers on scores.customer_key = customers.customer_key
    left join channels on customers.preferred_channel = channels.channel_code
    left join product_types on scores.next_best_product_type = product_types.product_type
    left join holds
        on
        scores.customer_key = holds.customer_key
        and scores.next_best_product_type = holds.product_type
),

phrased as (
    select
        *,
        'offer the customer ' || {{ insurance_kind('next_best_product_type_name') }} || ' '
        || {{ by_channel('preferred_channel', 'preferred_channel_name') }}
        || case when holds_product_type then ', as a top-up of the cover they hold' else '' end
            as action_phrase
    from ranked
    where lead_rank <= {{ var('cross_sell_list_size') }}
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
        cast(servicing_agent_id as {{ dbt.type_string() }}) as servicing_agent_id,
        cast(servicing_agent_name as {{ dbt.type_string() }}) as servicing_agent_name,
        cast(coalesce(servicing_branch, 'unassigned') as {{ dbt.type_string() }}) as servicing_branch,
        cast(is_orphaned as boolean) as is_orphaned,
        cast(work_queue as {{ dbt.type_string() }}) as work_queue,
        cast(preferred_channel as {{ dbt.type_string() }}) as preferred_channel,
        cast(as_of_date as date) as as_of_date,
        cast(
            'Purchase probability ' || {{ percent_text('purchase_probability_12m') }}
            || ' in the next 12 months; best next product ' || {{ insurance_kind('next_best_product_type_name') }}
            || case when holds_product_type then ' (already held: a top-up)' else '' end
            || {{ orphan_reason('is_orphaned', 'had_agent') }} || '.'
            as {{ dbt.type_string() }}
        ) as reason,
        cast({{ action_sentence('action_phrase', 'is_orphaned', 'had_agent') }} as {{ dbt.type_string() }})
            as recommended_action,
        cast({{ is_control_group('cross_sell_list', 'customer_key', 'as_of_date') }} as boolean)
            as is_control_group
    from phrased
)

select * from final
