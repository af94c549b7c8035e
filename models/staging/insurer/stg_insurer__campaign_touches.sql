with source as (
    {{ accepted_rows(source('insurer', 'campaign_touches'), 'campaign_touches') }}
),

renamed as (
    select
        {{ clean_text('touch_id') }} as touch_id,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ repair_date('touch_date') }} as touch_date,
        {{ clean_text('is_control') }} = '1' as is_control,
        {{ clean_text('responded') }} = '1' as has_responded,
        {{ repair_date('response_date') }} as response_date,
        {{ clean_text('converted') }} = '1' as has_converted,
        {{ clean_text('policy_number') }} as policy_number,
        {{ repair_amount('premium_won_twd') }} as premium_won_twd,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'touch_id') }}
),

final as (
    select
        touch_id,
        campaign_id,
        customer_id,
        touch_date,
        is_control,
        has_responded,
        response_date,
        has_converted,
        policy_number,
        premium_won_twd,
        batch_date
    from latest
)

select * from final
