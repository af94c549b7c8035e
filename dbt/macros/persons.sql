{#- The CTEs that make one row per person (customer_key) out of customer numbers: attributes
    from the number delivered last, first contact and acquisition source from the earliest.
    Ends in `final`. With `as_of`, one row per person per value of that column (Spark's
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
        count(*) over (partition by {{ by }}customer_key) as customer_number_count
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
        cast(latest.batch_date as timestamp) as delivered_at
    from latest
    inner join earliest
        on latest.customer_key = earliest.customer_key
        {%- if as_of %}
        and latest.{{ as_of }} = earliest.{{ as_of }}
        {%- endif %}
)
{%- endmacro %}
