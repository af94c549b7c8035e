with source as (
    {{ accepted_rows(source('insurer', 'applications'), 'applications') }}
),

renamed as (
    select
        {{ clean_text('application_id') }} as application_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('agent_id') }} as agent_id,
        lower({{ clean_text('channel') }}) as channel_code,
        upper({{ clean_text('product_code') }}) as product_code,
        {{ repair_date('application_date') }} as application_date,
        {{ repair_amount('proposed_sum_assured_twd') }} as proposed_sum_assured_twd,
        lower({{ clean_text('underwriting_decision') }}) as underwriting_decision,
        {{ repair_date('decision_date') }} as decision_date,
        {{ clean_text('policy_number') }} as policy_number,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'application_id') }}
),

final as (
    select
        application_id,
        customer_id,
        agent_id,
        channel_code,
        product_code,
        application_date,
        proposed_sum_assured_twd,
        underwriting_decision,
        decision_date,
        policy_number,
        batch_date
    from latest
)

select * from final
