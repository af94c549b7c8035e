-- One row per postal code the customers live in or the vendor describes, with its city and
-- district and the vendor's area demographics.
with customers as (
    select
        postal_code,
        city,
        district
    from {{ ref('stg_insurer__customers') }}
),

areas as (
    select * from {{ ref('stg_vendor__areas') }}
),

-- the city and district most customers of a postal code give
named as (
    select
        postal_code,
        city,
        district,
        row_number() over (partition by postal_code order by count(*) desc, city asc, district asc) as name_rank
    from customers
    where postal_code is not null
    group by postal_code, city, district
),

postal_codes as (
    select postal_code from named
    union
    select postal_code from areas
),

known as (
    select
        cast({{ surrogate_key(['postal_codes.postal_code']) }} as {{ dbt.type_string() }}) as region_key,
        cast(postal_codes.postal_code as {{ dbt.type_string() }}) as postal_code,
        cast(coalesce(named.city, 'unknown') as {{ dbt.type_string() }}) as city,
        cast(coalesce(named.district, 'unknown') as {{ dbt.type_string() }}) as district,
        cast(areas.urbanisation as {{ dbt.type_string() }}) as urbanisation,
        cast(areas.population as integer) as population,
        cast(areas.median_household_income_twd as decimal(18, 2)) as median_household_income_twd,
        cast(areas.median_age as integer) as median_age
    from postal_codes
    left join named on postal_codes.postal_code = named.postal_code and named.name_rank = 1
    left join areas on postal_codes.postal_code = areas.postal_code
),

unknown as (
    select
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as region_key,
        cast('unknown' as {{ dbt.type_string() }}) as postal_code,
        cast('unknown' as {{ dbt.type_string() }}) as city,
        cast('unknown' as {{ dbt.type_string() }}) as district,
        cast(null as {{ dbt.type_string() }}) as urbanisation,
        cast(null as integer) as population,
        cast(null as decimal(18, 2)) as median_household_income_twd,
        cast(null as integer) as median_age
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
