-- The vendor's household record of each person, matched by the sha256 of the national ID
-- (the vendor's key). Only the person's pseudonymous key leaves this model.
with identities as (
    select distinct
        customer_key,
        national_id_sha256
    from {{ ref('pii_customers') }}
),

households as (
    select * from {{ ref('stg_vendor__households') }}
),

matched as (
    select
        identities.customer_key,
        households.household_size,
        households.home_owner_code,
        households.household_income_band,
        households.children_count,
        households.vehicle_count,
        households.match_confidence,
        row_number() over (
            partition by identities.customer_key order by households.match_confidence desc
        ) as confidence_rank
    from identities
    inner join households on identities.national_id_sha256 = households.national_id_sha256
),

final as (
    select
        customer_key,
        household_size,
        home_owner_code,
        household_income_band,
        children_count,
        vehicle_count,
        match_confidence
    from matched
    where confidence_rank = 1
)

select * from final
