{#- ISO day of the week, 1 = Monday to 7 = Sunday: the field's name differs per engine. -#}
{% macro iso_day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'lifecrm')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expression) -%}
    extract(isodow from {{ date_expression }})
{%- endmacro %}

{% macro spark__iso_day_of_week(date_expression) -%}
    extract(dayofweek_iso from {{ date_expression }})
{%- endmacro %}

{#- Spark's month datediff (dbt-spark) counts one month too many between two month ends
    (months_between gives a whole month, then it adds one for the earlier day of the month):
    count calendar-month boundaries crossed, as DuckDB's date_diff does. The project's
    dispatch config (dbt_project.yml) makes dbt.datediff find this before dbt-spark's. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- if datepart == 'month' -%}
        ((year({{ second_date }}) * 12 + month({{ second_date }}))
            - (year({{ first_date }}) * 12 + month({{ first_date }})))
    {%- else -%}
        {{ dbt.spark__datediff(first_date, second_date, datepart) }}
    {%- endif -%}
{%- endmacro %}
