{#- How the large facts merge a run's rows into the table: DuckDB deletes the rows of the
    keys it rebuilds and inserts them again; Spark needs a Delta or Iceberg table for `merge`
    (a plain Parquet table only has `insert_overwrite` of whole partitions). -#}
{% macro replace_strategy() -%}
    {{ return(adapter.dispatch('replace_strategy', 'lifecrm')()) }}
{%- endmacro %}

{% macro default__replace_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__replace_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{#- The latest delivery an incremental fact has taken in: rows delivered after it are new. -#}
{% macro delivered_through() -%}
    (select coalesce(max(source_batch_date), cast('1900-01-01' as date)) from {{ this }})
{%- endmacro %}
