with source as (
    {{ accepted_rows(source('insurer', 'interactions'), 'interactions') }}
),

renamed as (
    select
        {{ clean_text('interaction_id') }} as interaction_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('policy_number') }} as policy_number,
        {{ clean_text('agent_id') }} as agent_id,
        lower({{ clean_text('channel') }}) as contact_channel_code,
        lower({{ clean_text('interaction_type') }}) as interaction_type,
        lower({{ clean_text('product_type') }}) as product_type,
        {{ repair_date('interaction_date') }} as interaction_date,
        lower({{ clean_text('outcome') }}) as outcome,
        {{ repair_date('resolved_date') }} as resolved_date,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'interaction_id') }}
),

-- `notes` is free text that may name people: it is not carried beyond raw.
final as (
    select
        interaction_id,
        customer_id,
        policy_number,
        agent_id,
        contact_channel_code,
        interaction_type,
        product_type,
        interaction_date,
        outcome,
        resolved_date,
        batch_date
    from latest
)

select * from final
