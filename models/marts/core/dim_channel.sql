-- The sales channels policies are sold through and the contact channels customers are reached
-- through, one code list.
with channels as (
    select * from {{ ref('channels') }}
),

known as (
    select
        cast({{ surrogate_key(['channel_code']) }} as {{ dbt.type_string() }}) as channel_key,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(channel_name as {{ dbt.type_string() }}) as channel_name,
        cast(is_sales_channel as boolean) as is_sales_channel,
        cast(is_contact_channel as boolean) as is_contact_channel
    from channels
),

unknown as (
    select
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as channel_key,
        cast('unknown' as {{ dbt.type_string() }}) as channel_code,
        cast('unknown' as {{ dbt.type_string() }}) as channel_name,
        cast(false as boolean) as is_sales_channel,
        cast(false as boolean) as is_contact_channel
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
