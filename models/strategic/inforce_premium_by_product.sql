-- The book in force: policies, annualised premium and sum assured by product and issue year.
with policies as (
    select * from {{ ref('dim_policy') }}
    where is_in_force and policy_key != {{ unknown_key() }}
),

final as (
    select
        cast(product_type as {{ dbt.type_string() }}) as product_type,
        cast(product_code as {{ dbt.type_string() }}) as product_code,
        cast(extract(year from issue_date) as integer) as issue_year,
        cast(count(*) as bigint) as policies_in_force,
        cast(sum(annualised_premium_in_force_twd) as decimal(18, 2)) as annualised_premium_in_force_twd,
        cast(sum(sum_assured_twd) as decimal(18, 2)) as sum_assured_in_force_twd
    from policies
    group by product_type, product_code, extract(year from issue_date)
)

select * from final
