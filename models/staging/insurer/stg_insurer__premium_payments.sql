with source as (
    {{ accepted_rows(source('insurer', 'premium_payments'), 'premium_payments') }}
),

renamed as (
    select
        {{ clean_text('payment_id') }} as payment_id,
        {{ clean_text('policy_number') }} as policy_number,
        {{ repair_date('due_date') }} as due_date,
        {{ repair_date('paid_date') }} as paid_date,
        {{ repair_amount('amount_due_twd') }} as amount_due_twd,
        {{ repair_amount('amount_paid_twd') }} as amount_paid_twd,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'payment_id') }}
),

final as (
    select
        payment_id,
        policy_number,
        due_date,
        paid_date,
        amount_due_twd,
        amount_paid_twd,
        batch_date
    from latest
)

select * from final
