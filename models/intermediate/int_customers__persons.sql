-- One row per person (customer_key): a person the insurer holds under two customer numbers is
-- one customer. Attributes come from the number delivered last; first contact and acquisition
-- source from the earliest.
with customers as (
    select * from {{ ref('stg_insurer__customers') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_key order by batch_date desc, created_date asc, customer_id asc
        ) as latest_rank,
        row_number() over (
            partition by customer_key order by created_date, customer_id
        ) as earliest_rank,
        count(*) over (partition by customer_key) as customer_number_count
    from customers
),

earliest as (
    select
        customer_key,
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
    inner join earliest on latest.customer_key = earliest.customer_key
)

select * from final
