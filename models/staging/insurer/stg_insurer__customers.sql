with source as (
    {{ accepted_rows(source('insurer', 'customers'), 'customers') }}
),

renamed as (
    select
        {{ clean_text('customer_id') }} as customer_id,
        upper({{ clean_text('national_id') }}) as national_id,
        {{ clean_text('customer_name') }} as customer_name,
        {{ parse_date('birth_date') }} as birth_date,
        upper({{ clean_text('gender') }}) as gender_code,
        lower({{ clean_text('marital_status') }}) as marital_status,
        lower({{ clean_text('income_band') }}) as income_band,
        {{ clean_text('city') }} as city,
        {{ clean_text('postal_code') }} as postal_code,
        {{ clean_text('phone') }} as phone,
        lower({{ clean_text('email') }}) as email,
        lower({{ clean_text('acquisition_source') }}) as acquisition_source,
        cast(_batch_date as date) as batch_date,
        _source_file as source_file,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'customer_id') }}
),

final as (
    select
        customer_id,
        national_id,
        customer_name,
        birth_date,
        gender_code,
        marital_status,
        income_band,
        city,
        postal_code,
        phone,
        email,
        acquisition_source,
        batch_date,
        source_file,
        source_line
    from latest
)

select * from final
