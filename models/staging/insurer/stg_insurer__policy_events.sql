with source as (
    select * from {{ source('insurer', 'policy_events') }}
),

renamed as (
    select
        trim(event_id) as event_id,
        trim(policy_number) as policy_number,
        lower(trim(event_type)) as event_type,
        cast(event_date as date) as event_date,
        cast(amount_twd as decimal(18, 2)) as amount_twd,
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
