-- Spark's stand-in for the snapshot dbt/snapshots/snp_customers.yml, which is a merge (Delta,
-- Iceberg or Hudi only). The snapshot records a person's attributes whenever a run finds them
-- delivered again; lifecrm runs after every batch, so this replays the batches: each person as
-- int_customers__persons saw them after each batch that delivered one of their numbers, with
-- the snapshot's validity columns. (A run that took in several batches at once records only
-- the last of them; this records each.)
with deliveries as (
    select * from {{ ref('base_insurer__customer_deliveries') }}
),

batches as (
    select distinct batch_date as seen_on from deliveries
),

-- each customer number's latest delivery as of each batch date, as staging keeps it
numbers_seen as (
    select * from (
        select
            batches.seen_on,
            deliveries.*,
            row_number() over (
                partition by batches.seen_on, deliveries.customer_id
                order by deliveries.batch_date desc, deliveries.source_line desc
            ) as recency_rank
        from batches
        inner join deliveries on batches.seen_on >= deliveries.batch_date
    ) as as_of_batch
    where recency_rank = 1
),

{{ person_ctes('numbers_seen', as_of='seen_on') }},

-- a version begins on each batch that delivered the person
versions as (
    select * from final
    where delivered_at = cast(seen_on as timestamp)
)

select
    customer_key,
    birth_date,
    gender_code,
    marital_status,
    occupation_class,
    income_band,
    city,
    district,
    postal_code,
    acquisition_source,
    first_contact_date,
    customer_number_count,
    has_conflicting_identity,
    delivered_at,
    delivered_at as dbt_valid_from,
    lead(delivered_at) over (partition by customer_key order by delivered_at) as dbt_valid_to,
    delivered_at as dbt_updated_at
from versions
