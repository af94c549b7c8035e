with source as (
    {{ accepted_rows(source('insurer', 'claims'), 'claims') }}
),

renamed as (
    select
        {{ clean_text('claim_id') }} as claim_id,
        {{ clean_text('policy_number') }} as policy_number,
        lower({{ clean_text('claim_type') }}) as claim_type,
        {{ repair_date('reported_date') }} as reported_date,
        {{ repair_amount('claimed_amount_twd') }} as claimed_amount_twd,
        {{ repair_date('assessed_date') }} as assessed_date,
        lower({{ clean_text('decision') }}) as decision,
        {{ repair_date('decision_date') }} as decision_date,
        {{ repair_date('paid_date') }} as paid_date,
        {{ repair_amount('paid_amount_twd') }} as paid_amount_twd,
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
