{{ config(materialized='ephemeral') }}

-- The latest delivered version of each customer row, repaired, with its direct identifiers.
-- Ephemeral: the identifiers reach only `pii` and never a stored staging or mart table.
with deliveries as (
    select * from {{ ref('base_insurer__customer_deliveries') }}
),

latest as (
    {{ latest_delivery('deliveries', 'customer_id') }}
)

select * from latest
