{#- The CTEs that make one row per person (customer_key) out of customer numbers: attributes
    from the number delivered last, first contact and acquisition source from the earliest.
    A national ID is one person, so its numbers are merged; `has_conflicting_identity` says when
    they cannot all be the same person: birth dates or genders that differ between the numbers,
    or a gender the ID's gender digit contradicts (a mistyped or reused ID, to be checked at
    the source, not read as one customer with the sum of two people's business). Ends in `final`. With `as_of`, one row per person per value of that column (Spark's
    stand-in for the customer snapshot replays every batch date), else one row per person. -#}
{% macro person_ctes(customers, as_of=none) -%}
    {%- set by = (as_of ~ ', ') if as_of else '' -%}
ranked as (
    select
        *,
        row_number() over (
            partition by {{ by }}customer_key order by batch_date desc, created_date asc, customer_id asc
        ) as latest_rank,
        row_number() over (
            partition by {{ by }}customer_key order by created_date, customer_id
        ) as earliest_rank,
        count(*) over (partition by {{ by }}customer_key) as customer_number_count,
        min(birth_date) over (partition by {{ by }}customer_key) as earliest_birth_date,
        max(birth_date) over (partition by {{ by }}customer_key) as latest_birth_date,
        min(gender_code) over (partition by {{ by }}customer_key) as first_gender_code,
        max(gender_code) over (partition by {{ by }}customer_key) as last_gender_code,
        max(
            case when gender_code <> national_id_gender_code then 1 else 0 end
        ) over (partition by {{ by }}customer_key) as gender_contradicts_id
    from {{ customers }}
),

earliest as (
    select
        {{ by }}customer_key,
        created_date,
        acquisition_source
    from ranked
    where earliest_rank = 1
),

latest as (
    select * from ranked
    where latest_rank = 1
),

final as (
    select
        {%- if as_of %}
        latest.{{ as_of }},
        {%- endif %}
        latest.customer_key,
        latest.birth_date,
        latest.gender_code,
        latest.marital_status,
        latest.occupation_class,
        latest.income_band,
        latest.city,
        latest.district,
        latest.postal_code,
        earliest.acquisition_source,
        earliest.created_date as first_contact_date,
        latest.customer_number_count,
        cast(
            coalesce(latest.earliest_birth_date <> latest.latest_birth_date, false)
            or coalesce(latest.first_gender_code <> latest.last_gender_code, false)
            or latest.gender_contradicts_id = 1
            as boolean
        ) as has_conflicting_identity,
        cast(latest.batch_date as timestamp) as delivered_at
    from latest
    inner join earliest
        on latest.customer_key = earliest.customer_key
        {%- if as_of %}
        and latest.{{ as_of }} = earliest.{{ as_of }}
        {%- endif %}
)
{%- endmacro %}
