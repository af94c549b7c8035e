-- The only place direct identifiers are kept: one row per customer number, with the person's
-- pseudonymous key. Grant this schema to those who must contact customers, and no one else.
with customers as (
    select * from {{ ref('base_insurer__customers') }}
),

final as (
    select
        cast(customer_key as varchar) as customer_key,
        cast(customer_id as varchar) as customer_id,
        cast(national_id as varchar) as national_id,
        cast(customer_name as varchar) as customer_name,
        cast(phone as varchar) as phone,
        cast(email as varchar) as email,
        cast(address_line as varchar) as address_line,
        cast(city as varchar) as city,
        cast(district as varchar) as district,
        cast(postal_code as varchar) as postal_code,
        cast({{ sha256('national_id') }} as varchar) as national_id_sha256
    from customers
)

select * from final
