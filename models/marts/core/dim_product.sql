with products as (
    select * from {{ ref('stg_insurer__products') }}
),

product_types as (
    select * from {{ ref('product_types') }}
),

known as (
    select
        cast({{ surrogate_key(['products.product_code']) }} as {{ dbt.type_string() }}) as product_key,
        cast(products.product_code as {{ dbt.type_string() }}) as product_code,
        cast(products.product_name as {{ dbt.type_string() }}) as product_name,
        cast(products.product_type as {{ dbt.type_string() }}) as product_type,
        cast(coalesce(product_types.product_type_name, 'unknown') as {{ dbt.type_string() }}) as product_type_name,
        cast(coalesce(product_types.is_savings, false) as boolean) as is_savings,
        cast(products.premium_modes as {{ dbt.type_string() }}) as premium_modes,
        cast(products.term_years as integer) as term_years,
        cast(products.first_year_commission_rate as decimal(9, 4)) as first_year_commission_rate,
        cast(products.renewal_commission_rate as decimal(9, 4)) as renewal_commission_rate,
        cast(products.servicing_cost_per_policy_year_twd as decimal(18, 2))
            as servicing_cost_per_policy_year_twd,
        cast(products.investment_component_rate as decimal(9, 4)) as investment_component_rate,
        cast(products.launch_date as date) as launch_date
    from products
    left join product_types on products.product_type = product_types.product_type
),

unknown as (
    select
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as product_key,
        cast('unknown' as {{ dbt.type_string() }}) as product_code,
        cast('unknown' as {{ dbt.type_string() }}) as product_name,
        cast('unknown' as {{ dbt.type_string() }}) as product_type,
        cast('unknown' as {{ dbt.type_string() }}) as product_type_name,
        cast(false as boolean) as is_savings,
        cast(null as {{ dbt.type_string() }}) as premium_modes,
        cast(null as integer) as term_years,
        cast(null as decimal(9, 4)) as first_year_commission_rate,
        cast(null as decimal(9, 4)) as renewal_commission_rate,
        cast(null as decimal(18, 2)) as servicing_cost_per_policy_year_twd,
        cast(null as decimal(9, 4)) as investment_component_rate,
        cast(null as date) as launch_date
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
