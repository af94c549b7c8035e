{#- The warehouse's as-of date: the `as_of_date` var, else the date of the latest batch loaded. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max(batch_date) from {{ ref('stg_insurer__policies') }})
    {%- endif -%}
{%- endmacro %}
