with source as (
    select * from {{ source('insurer', 'customers') }}
),

renamed as (
    select
        trim(customer_id) as customer_id,
        upper(trim(national_id)) as national_id,
        trim(customer_name) as customer_name,
        cast(birth_date as date) as birth_date,
        upper(trim(gender)) as gender_code,
        lower(trim(marital_status)) as marital_status,
        lower(trim(income_band)) as income_band,
        trim(city) as city,
        trim(postal_code) as postal_code,
        trim(phone) as phone,
        lower(trim(email)) as email,
        lower(trim(acquisition_source)) as acquisition_source,
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
