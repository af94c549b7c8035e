with source as (
    {{ accepted_rows(source('vendor', 'external_areas'), 'external_areas') }}
),

renamed as (
    select
        {{ clean_text('postal_code') }} as postal_code,
        cast({{ clean_text('population') }} as integer) as population,
        {{ repair_amount('median_household_income_twd') }} as median_household_income_twd,
        lower({{ clean_text('urbanisation') }}) as urbanisation,
        cast({{ clean_text('median_age') }} as integer) as median_age,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'postal_code') }}
),

final as (
    select
        postal_code,
        population,
        median_household_income_twd,
        urbanisation,
        median_age,
        batch_date
    from latest
)

select * from final
