{#- The warehouse's as-of date: the `as_of_date` var, else the date of the latest batch loaded
    (from the ingestion's load manifest: a daily batch may hold no rows of a given export). -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max(batch_date) from raw.load_manifest)
    {%- endif -%}
{%- endmacro %}
