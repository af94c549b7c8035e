with campaigns as (
    select * from {{ ref('stg_insurer__campaigns') }}
),

channels as (
    select
        channel_key,
        channel_code
    from {{ ref('dim_channel') }}
),

known as (
    select
        cast({{ surrogate_key(['campaigns.campaign_id']) }} as {{ dbt.type_string() }}) as campaign_key,
        cast(campaigns.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(campaigns.campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(campaigns.campaign_type as {{ dbt.type_string() }}) as campaign_type,
        cast(coalesce(channels.channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(campaigns.contact_channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(campaigns.product_type as {{ dbt.type_string() }}) as product_type,
        cast(campaigns.start_date as date) as start_date,
        cast(campaigns.end_date as date) as end_date,
        cast(campaigns.cost_per_contact_twd as decimal(18, 2)) as cost_per_contact_twd
    from campaigns
    left join channels on campaigns.contact_channel_code = channels.channel_code
),

unknown as (
    select
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as campaign_key,
        cast('unknown' as {{ dbt.type_string() }}) as campaign_id,
        cast('unknown' as {{ dbt.type_string() }}) as campaign_name,
        cast(null as {{ dbt.type_string() }}) as campaign_type,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as channel_key,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast(null as {{ dbt.type_string() }}) as product_type,
        cast(null as date) as start_date,
        cast(null as date) as end_date,
        cast(null as decimal(18, 2)) as cost_per_contact_twd
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
