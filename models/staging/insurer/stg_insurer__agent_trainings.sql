with source as (
    {{ accepted_rows(source('insurer', 'agent_training'), 'agent_training') }}
),

renamed as (
    select
        {{ clean_text('training_id') }} as training_id,
        {{ clean_text('agent_id') }} as agent_id,
        upper({{ clean_text('course_code') }}) as course_code,
        {{ repair_date('training_date') }} as training_date,
        cast({{ clean_text('hours') }} as integer) as training_hours,
        {{ clean_text('passed') }} = '1' as has_passed,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'training_id') }}
),

final as (
    select
        training_id,
        agent_id,
        course_code,
        training_date,
        training_hours,
        has_passed,
        batch_date
    from latest
)

select * from final
