-- The only place direct identifiers are kept: one row per customer number, with the person's
-- pseudonymous key. Grant this schema to those who must contact customers, and no one else.
with customers as (
    select * from {{ ref('base_insurer__customers') }}
),

final as (
    select
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(national_id as {{ dbt.type_string() }}) as national_id,
        cast(customer_name as {{ dbt.type_string() }}) as customer_name,
        cast(phone as {{ dbt.type_string() }}) as phone,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(address_line as {{ dbt.type_string() }}) as address_line,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(district as {{ dbt.type_string() }}) as district,
        cast(postal_code as {{ dbt.type_string() }}) as postal_code,
        cast({{ sha256('national_id') }} as {{ dbt.type_string() }}) as national_id_sha256,
        -- a person held under two customer numbers is reached by the one delivered last, the
        -- number whose attributes the warehouse keeps (dbt/macros/persons.sql)
        cast(
            row_number() over (
                partition by customer_key order by batch_date desc, created_date asc, customer_id asc
            ) = 1 as boolean
        ) as is_primary_number
    from customers
)

select * from final
