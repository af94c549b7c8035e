-- Type 2: one row per person per period in which the attributes it tracks (region, income
-- band, marital status, occupation) stayed the same. `customer_key` is the person (a keyed
-- HMAC of the national ID, the key facts carry); `customer_version_key` is one period.
with snapshot as (
    select * from {{ ref('snp_customers') }}
),

households as (
    select * from {{ ref('int_customers__households') }}
),

-- whether the person's national ID arrived with conflicting identities: a property of the key,
-- so every version of the person carries the current answer
persons as (
    select
        customer_key,
        has_conflicting_identity
    from {{ ref('int_customers__persons') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

versions as (
    select
        *,
        {{ surrogate_key(['postal_code', 'district', 'city', 'income_band', 'marital_status', 'occupation_class']) }}
            as tracked_hash
    from snapshot
),

-- A delivery that changed nothing tracked continues the version before it.
flagged as (
    select
        *,
        case
            when lag(tracked_hash) over (partition by customer_key order by dbt_valid_from) = tracked_hash
                then 0
            else 1
        end as starts_version
    from versions
),

numbered as (
    select
        *,
        sum(starts_version) over (
            partition by customer_key order by dbt_valid_from rows between unbounded preceding and current row
        ) as version_number
    from flagged
),

periods as (
    select
        customer_key,
        version_number,
        min(dbt_valid_from) as delivered_from
    from numbered
    group by customer_key, version_number
),

merged as (
    select
        numbered.*,
        periods.delivered_from,
        lead(periods.delivered_from) over (
            partition by numbered.customer_key order by periods.delivered_from
        ) as next_delivered_from
    from numbered
    inner join periods
        on numbered.customer_key = periods.customer_key
        and numbered.version_number = periods.version_number
    where numbered.starts_version = 1
),

known as (
    select
        cast({{ surrogate_key(['merged.customer_key', 'merged.version_number']) }} as {{ dbt.type_string() }})
            as customer_version_key,
        cast(merged.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(merged.version_number as integer) as version_number,
        -- the first version holds from first contact: its attributes are the earliest known
        cast(
            case when merged.version_number = 1 then merged.first_contact_date else merged.delivered_from end
            as date
        ) as valid_from,
        cast(merged.next_delivered_from as date) as valid_to,
        cast(merged.next_delivered_from is null as boolean) as is_current,
        cast(merged.gender_code as {{ dbt.type_string() }}) as gender_code,
        cast(merged.birth_date as date) as birth_date,
        cast({{ age_in_years('merged.birth_date', 'as_of.as_of_date') }} as integer) as age_years,
        cast(merged.marital_status as {{ dbt.type_string() }}) as marital_status,
        cast(merged.occupation_class as {{ dbt.type_string() }}) as occupation_class,
        cast(merged.income_band as {{ dbt.type_string() }}) as income_band,
        cast({{ surrogate_key(['merged.postal_code']) }} as {{ dbt.type_string() }}) as region_key,
        cast(merged.city as {{ dbt.type_string() }}) as city,
        cast(merged.district as {{ dbt.type_string() }}) as district,
        cast(merged.postal_code as {{ dbt.type_string() }}) as postal_code,
        cast(merged.acquisition_source as {{ dbt.type_string() }}) as acquisition_source,
        cast(merged.first_contact_date as date) as first_contact_date,
        cast(merged.customer_number_count as integer) as customer_number_count,
        cast(coalesce(persons.has_conflicting_identity, false) as boolean) as has_conflicting_identity,
        cast(households.customer_key is not null as boolean) as has_household_data,
        cast(households.household_size as integer) as household_size,
        cast(households.home_owner_code as {{ dbt.type_string() }}) as home_owner_code,
        cast(households.household_income_band as {{ dbt.type_string() }}) as household_income_band,
        cast(households.children_count as integer) as children_count,
        cast(households.vehicle_count as integer) as vehicle_count
    from merged
    cross join as_of
    left join households on merged.customer_key = households.customer_key
    left join persons on merged.customer_key = persons.customer_key
),

unknown as (
    select
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as customer_version_key,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as customer_key,
        cast(1 as integer) as version_number,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        cast(true as boolean) as is_current,
        cast(null as {{ dbt.type_string() }}) as gender_code,
        cast(null as date) as birth_date,
        cast(null as integer) as age_years,
        cast(null as {{ dbt.type_string() }}) as marital_status,
        cast(null as {{ dbt.type_string() }}) as occupation_class,
        cast(null as {{ dbt.type_string() }}) as income_band,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as region_key,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_string() }}) as district,
        cast(null as {{ dbt.type_string() }}) as postal_code,
        cast(null as {{ dbt.type_string() }}) as acquisition_source,
        cast(null as date) as first_contact_date,
        cast(0 as integer) as customer_number_count,
        cast(false as boolean) as has_conflicting_identity,
        cast(false as boolean) as has_household_data,
        cast(null as integer) as household_size,
        cast(null as {{ dbt.type_string() }}) as home_owner_code,
        cast(null as {{ dbt.type_string() }}) as household_income_band,
        cast(null as integer) as children_count,
        cast(null as integer) as vehicle_count
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
