with source as (
    {{ accepted_rows(source('insurer', 'agent_surveys'), 'agent_surveys') }}
),

renamed as (
    select
        {{ clean_text('survey_id') }} as survey_id,
        {{ clean_text('agent_id') }} as agent_id,
        {{ repair_date('survey_date') }} as survey_date,
        cast({{ clean_text('satisfaction') }} as integer) as satisfaction_score,
        {{ clean_text('intends_to_stay') }} = '1' as intends_to_stay,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'survey_id') }}
),

final as (
    select
        survey_id,
        agent_id,
        survey_date,
        satisfaction_score,
        intends_to_stay,
        batch_date
    from latest
)

select * from final
