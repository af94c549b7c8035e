{#- The feature models' dates: the as-of date and one and two years before it. A model fits on
    the earliest (its outcomes known a year later), is evaluated on the middle one and scores
    the latest. -#}
{% macro feature_dates() -%}
    select cast({{ as_of_date() }} as date) as feature_date
    union all
    select cast({{ dbt.dateadd('month', -12, as_of_date()) }} as date)
    union all
    select cast({{ dbt.dateadd('month', -24, as_of_date()) }} as date)
{%- endmacro %}
