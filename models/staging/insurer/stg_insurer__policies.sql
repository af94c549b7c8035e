with source as (
    {{ accepted_rows(source('insurer', 'policies'), 'policies') }}
),

renamed as (
    select
        {{ clean_text('policy_number') }} as policy_number,
        {{ clean_text('owner_customer_id') }} as owner_customer_id,
        {{ clean_text('insured_customer_id') }} as insured_customer_id,
        {{ clean_text('agent_id') }} as agent_id,
        lower({{ clean_text('channel') }}) as channel_code,
        upper({{ clean_text('product_code') }}) as product_code,
        {{ repair_date('issue_date') }} as issue_date,
        {{ repair_amount('sum_assured_twd') }} as sum_assured_twd,
        {{ repair_amount('annualised_premium_twd') }} as annualised_premium_twd,
        lower({{ clean_text('premium_mode') }}) as premium_mode,
        lower({{ clean_text('payment_method') }}) as payment_method,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'policy_number') }}
),

final as (
    select
        policy_number,
        owner_customer_id,
        insured_customer_id,
        agent_id,
        channel_code,
        product_code,
        issue_date,
        sum_assured_twd,
        annualised_premium_twd,
        premium_mode,
        payment_method,
        batch_date
    from latest
)

select * from final
