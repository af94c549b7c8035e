{{ config(materialized='ephemeral') }}

-- The latest delivered version of each customer row, repaired, with its direct identifiers.
-- Ephemeral: the identifiers reach only `pii` and never a stored staging or mart table.
with deliveries as (
    select * from {{ ref('base_insurer__customer_deliveries') }}
),

latest as (
    {{ latest_delivery('deliveries', 'customer_id') }}
),

final as (
    select
        customer_id,
        national_id,
        customer_name,
        birth_date,
        gender_code,
        national_id_gender_code,
        marital_status,
        occupation_class,
        income_band,
        city,
        district,
        postal_code,
        address_line,
        phone,
        email,
        acquisition_source,
        created_date,
        batch_date,
        source_file,
        source_line,
        customer_key
    from latest
)

select * from final
