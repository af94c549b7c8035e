{#- How the large facts keep up with new deliveries. On DuckDB they are incremental: a run
    deletes the rows of the keys it rebuilds and inserts them again. Spark replaces rows by key
    only with `merge`, which needs a Delta, Iceberg or Hudi table; on plain Parquet (all this
    project can install) they are tables rebuilt whole on each run, which gives the same rows. -#}
{% macro replace_materialization() -%}
    {{ return(adapter.dispatch('replace_materialization', 'lifecrm')()) }}
{%- endmacro %}

{% macro default__replace_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__replace_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro replace_strategy() -%}
    {{ return(adapter.dispatch('replace_strategy', 'lifecrm')()) }}
{%- endmacro %}

{% macro default__replace_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__replace_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{#- The latest delivery an incremental fact has taken in: rows delivered after it are new.
    A table built by an earlier version of lifecrm, before it was incremental (no
    `source_batch_date`) or before the model gained a column, cannot take new rows as it is
    (on_schema_change='fail'): say how to rebuild it. -#}
{% macro delivered_through() -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- set missing = model.columns.keys() | map('lower') | reject('in', columns) | list -%}
        {%- if 'source_batch_date' not in columns or missing -%}
            {{ exceptions.raise_compiler_error(
                this ~ " was built by an earlier version of lifecrm, "
                ~ ("before it was incremental" if 'source_batch_date' not in columns
                   else "without its column(s) " ~ missing | join(', '))
                ~ ": rebuild it once with `dbt build --full-refresh --select " ~ this.identifier
                ~ "` (profiles in dbt/), or start from a fresh data directory"
            ) }}
        {%- endif -%}
    {%- endif -%}
    (select coalesce(max(source_batch_date), cast('1900-01-01' as date)) from {{ this }})
{%- endmacro %}
