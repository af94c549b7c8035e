-- One row per person (customer_key): a person the insurer holds under two customer numbers is
-- one customer. Attributes come from the number delivered last; first contact and acquisition
-- source from the earliest (dbt/macros/persons.sql).
with customers as (
    select * from {{ ref('stg_insurer__customers') }}
),

{{ person_ctes('customers') }}

select * from final
