-- One row per customer number, without direct identifiers: the person behind it is
-- `customer_key` (an HMAC of the national ID under the installation's secret key), shared by
-- every number one person has.
-- A table, not a view like the rest of staging: the key is computed with the secret that only
-- lifecrm's dbt session holds, so a view would compute it anew on each read, and a BI tool or
-- analyst reading the warehouse file (no secret) would get no keys at all.
{{ config(materialized='table') }}

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
