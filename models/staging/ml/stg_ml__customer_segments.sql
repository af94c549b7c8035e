with source as (
    select * from {{ source('ml', 'customer_segments') }}
),

final as (
    select
        customer_key,
        cast(as_of_date as date) as as_of_date,
        cast(segment_id as integer) as segment_id,
        segment_name
    from source
)

select * from final
