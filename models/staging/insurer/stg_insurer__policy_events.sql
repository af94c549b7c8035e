with source as (
    {{ accepted_rows(source('insurer', 'policy_events'), 'policy_events') }}
),

renamed as (
    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('policy_number') }} as policy_number,
        lower({{ clean_text('event_type') }}) as event_type,
        {{ repair_date('event_date') }} as event_date,
        {{ repair_amount('amount_twd') }} as amount_twd,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'event_id') }}
),

final as (
    select
        event_id,
        policy_number,
        event_type,
        event_date,
        amount_twd,
        batch_date
    from latest
)

select * from final
