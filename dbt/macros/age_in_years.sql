{#- Whole years from `birth_date` to `day` (a year being 365.25 days). -#}
{% macro age_in_years(birth_date, day) -%}
    floor({{ dbt.datediff(birth_date, day, 'day') }} / 365.25)
{%- endmacro %}
