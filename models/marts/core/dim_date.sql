-- One row per day from 2000-01-01 to 2040-12-31 (vars `dim_date_start`, `dim_date_end`).
-- `date_key` is the date itself, as analysts expect of a date dimension; facts leave a date
-- they do not know empty rather than pointing at an "unknown" day.
{% set first_day = var('dim_date_start', '2000-01-01') %}
{% set last_day = var('dim_date_end', '2040-12-31') %}

with days as (
    {{ dbt.date_spine('day', "cast('" ~ first_day ~ "' as date)", "cast('" ~ last_day ~ "' as date)") }}
),

final as (
    select
        cast(date_day as date) as date_key,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start_date,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast({{ iso_day_of_week('date_day') }} as integer) as iso_day_of_week,
        cast({{ iso_day_of_week('date_day') }} >= 6 as boolean) as is_weekend,
        -- Taiwan's official Republic of China calendar year
        cast(extract(year from date_day) - 1911 as integer) as roc_year
    from days
)

select * from final
