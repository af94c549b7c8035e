with customers as (
    select * from {{ ref('stg_insurer__customers') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

known as (
    select
        cast({{ surrogate_key(['customers.customer_id']) }} as varchar) as customer_key,
        cast(customers.customer_id as varchar) as customer_id,
        cast(customers.gender_code as varchar) as gender_code,
        cast(customers.birth_date as date) as birth_date,
        cast(floor({{ dbt.datediff('customers.birth_date', 'as_of.as_of_date', 'day') }} / 365.25) as integer)
            as age_years,
        cast(customers.marital_status as varchar) as marital_status,
        cast(customers.income_band as varchar) as income_band,
        cast(customers.city as varchar) as city,
        cast(customers.postal_code as varchar) as postal_code,
        cast(customers.acquisition_source as varchar) as acquisition_source
    from customers
    cross join as_of
),

unknown as (
    select
        cast({{ unknown_key() }} as varchar) as customer_key,
        cast('unknown' as varchar) as customer_id,
        cast(null as varchar) as gender_code,
        cast(null as date) as birth_date,
        cast(null as integer) as age_years,
        cast(null as varchar) as marital_status,
        cast(null as varchar) as income_band,
        cast(null as varchar) as city,
        cast(null as varchar) as postal_code,
        cast(null as varchar) as acquisition_source
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
