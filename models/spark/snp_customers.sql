-- Spark's stand-in for the snapshot dbt/snapshots/snp_customers.yml, which needs `merge` (Delta,
-- Iceberg or Hudi). The snapshot records a version whenever a run sees a person delivered
-- again; this rebuilds the versions a run after every batch would have recorded (docs/scaling-out.md)
select
    *,
    delivered_at as dbt_valid_from,
    cast(null as timestamp) as dbt_valid_to,
    delivered_at as dbt_updated_at
from {{ ref('int_customers__persons') }}
