with source as (
    {{ accepted_rows(source('insurer', 'campaigns'), 'campaigns') }}
),

renamed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('campaign_name') }} as campaign_name,
        lower({{ clean_text('campaign_type') }}) as campaign_type,
        lower({{ clean_text('channel') }}) as contact_channel_code,
        lower({{ clean_text('product_type') }}) as product_type,
        {{ repair_date('start_date') }} as start_date,
        {{ repair_date('end_date') }} as end_date,
        {{ repair_amount('cost_per_contact_twd') }} as cost_per_contact_twd,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'campaign_id') }}
),

final as (
    select
        campaign_id,
        campaign_name,
        campaign_type,
        contact_channel_code,
        product_type,
        start_date,
        end_date,
        cost_per_contact_twd,
        batch_date
    from latest
)

select * from final
