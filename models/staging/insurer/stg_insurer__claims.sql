with source as (
    {{ accepted_rows(source('insurer', 'claims'), 'claims') }}
),

renamed as (
    select
        {{ clean_text('claim_id') }} as claim_id,
        {{ clean_text('policy_number') }} as policy_number,
        lower({{ clean_text('claim_type') }}) as claim_type,
        {{ parse_date('reported_date') }} as reported_date,
        cast(claimed_amount_twd as decimal(18, 2)) as claimed_amount_twd,
        {{ parse_date('assessed_date') }} as assessed_date,
        lower({{ clean_text('decision') }}) as decision,
        {{ parse_date('decision_date') }} as decision_date,
        {{ parse_date('paid_date') }} as paid_date,
        cast(paid_amount_twd as decimal(18, 2)) as paid_amount_twd,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'claim_id') }}
),

final as (
    select
        claim_id,
        policy_number,
        claim_type,
        reported_date,
        claimed_amount_twd,
        assessed_date,
        decision,
        decision_date,
        paid_date,
        paid_amount_twd,
        batch_date
    from latest
)

select * from final
