{{ config(materialized='ephemeral') }}

-- Ephemeral: its key, an unsalted sha256 of the national ID, could be reversed by hashing every
-- possible ID, so it is never stored outside `pii`; int_customers__households uses it in passing.
with source as (
    {{ accepted_rows(source('vendor', 'external_households'), 'external_households') }}
),

renamed as (
    select
        {{ clean_text('vendor_record_id') }} as vendor_record_id,
        lower({{ clean_text('national_id_sha256') }}) as national_id_sha256,
        left({{ clean_text('postal_code') }}, 3) as postal_code,
        cast({{ clean_text('household_size') }} as integer) as household_size,
        upper({{ clean_text('home_owner') }}) as home_owner_code,
        upper({{ clean_text('household_income_band') }}) as household_income_band,
        cast({{ clean_text('children_count') }} as integer) as children_count,
        cast({{ clean_text('vehicle_count') }} as integer) as vehicle_count,
        cast({{ clean_text('match_confidence') }} as double) as match_confidence,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'vendor_record_id') }}
),

-- The vendor holds some people twice: keep its most confident record of each.
best_match as (
    select
        *,
        row_number() over (
            partition by national_id_sha256
            order by match_confidence desc, vendor_record_id asc
        ) as confidence_rank
    from latest
),

final as (
    select
        vendor_record_id,
        national_id_sha256,
        postal_code,
        household_size,
        home_owner_code,
        household_income_band,
        children_count,
        vehicle_count,
        match_confidence,
        batch_date
    from best_match
    where confidence_rank = 1
)

select * from final
