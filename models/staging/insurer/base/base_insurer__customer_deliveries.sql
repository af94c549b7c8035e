{{ config(materialized='ephemeral') }}

-- Every delivered version of each customer row, repaired, with its direct identifiers and the
-- person's key. Ephemeral: the identifiers reach only `pii` and never a stored staging or mart
-- table. base_insurer__customers keeps the latest version; Spark's stand-in for the customer
-- snapshot (models/spark/snp_customers.sql) replays them all.
with source as (
    {{ accepted_rows(source('insurer', 'customers'), 'customers') }}
),

renamed as (
    select
        {{ clean_text('customer_id') }} as customer_id,
        upper({{ clean_text('national_id') }}) as national_id,
        {{ clean_text('customer_name') }} as customer_name,
        {{ repair_date('birth_date') }} as birth_date,
        upper({{ clean_text('gender') }}) as gender_code,
        lower({{ clean_text('marital_status') }}) as marital_status,
        {{ clean_text('occupation_class') }} as occupation_class,
        lower({{ clean_text('income_band') }}) as income_band,
        {{ clean_text('city') }} as city,
        {{ clean_text('district') }} as district,
        {{ clean_text('postal_code') }} as postal_code,
        {{ clean_text('address_line') }} as address_line,
        {{ clean_text('phone') }} as phone,
        lower({{ clean_text('email') }}) as email,
        lower({{ clean_text('acquisition_source') }}) as acquisition_source,
        {{ repair_date('created_date') }} as created_date,
        cast(_batch_date as date) as batch_date,
        _source_file as source_file,
        _source_line as source_line
    from source
)

select
    *,
    {{ person_key('national_id') }} as customer_key,
    -- the gender the ID's second character encodes (1 men, 2 women), to check the delivered one
    case substring(national_id, 2, 1) when '1' then 'M' when '2' then 'F' end
        as national_id_gender_code
from renamed
