-- One row per customer number, without direct identifiers: the person behind it is
-- `customer_key` (a salted hash of the national ID), shared by every number one person has.
with customers as (
    select * from {{ ref('base_insurer__customers') }}
),

final as (
    select
        customer_id,
        customer_key,
        birth_date,
        gender_code,
        national_id_gender_code,
        marital_status,
        occupation_class,
        income_band,
        city,
        district,
        postal_code,
        acquisition_source,
        created_date,
        batch_date,
        source_file,
        source_line
    from customers
)

select * from final
