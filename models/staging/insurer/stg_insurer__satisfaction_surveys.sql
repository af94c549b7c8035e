with source as (
    {{ accepted_rows(source('insurer', 'satisfaction_surveys'), 'satisfaction_surveys') }}
),

renamed as (
    select
        {{ clean_text('survey_id') }} as survey_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ repair_date('survey_date') }} as survey_date,
        lower({{ clean_text('channel') }}) as contact_channel_code,
        cast({{ clean_text('csat') }} as integer) as csat_score,
        cast({{ clean_text('nps') }} as integer) as nps_score,
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
        customer_id,
        survey_date,
        contact_channel_code,
        csat_score,
        nps_score,
        batch_date
    from latest
)

select * from final
