{#- Where the sources live per engine. On DuckDB they are tables of the warehouse file that the
    ingestion and ml assets fill. On Spark they are Parquet folders that
    lifecrm/parquet_export.py publishes (`<root>/<schema>/<table>`, the raw exports partitioned
    by `_batch_date`); this on-run-start hook declares each as an external table of the
    metastore under the source's own schema, so `source()` and `raw.load_manifest` resolve on
    both engines alike. Tables are declared afresh on every run: a new batch's partition or a
    new column is seen, and dropping an external table leaves its files alone. The root is
    $LIFECRM_PARQUET_DIR (a cluster's object store, e.g. s3://bucket/lifecrm), else
    `<data dir>/parquet`. -#}
{% macro register_parquet_sources() -%}
    {{ return(adapter.dispatch('register_parquet_sources', 'lifecrm')()) }}
{%- endmacro %}

{% macro default__register_parquet_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_parquet_sources() -%}
    {%- if execute -%}
        {%- set root = env_var('LIFECRM_PARQUET_DIR', env_var('LIFECRM_DATA_DIR', 'data') ~ '/parquet') -%}
        {%- set tables = [('raw', 'load_manifest')] -%}
        {%- for node in graph.sources.values() -%}
            {%- do tables.append((node.schema, node.identifier)) -%}
        {%- endfor -%}
        {%- for schema_name, table_name in tables | unique | list -%}
            {%- call statement('register_' ~ schema_name ~ '_' ~ table_name) -%}
                create database if not exists {{ schema_name }}
            {%- endcall -%}
            {%- call statement('register_' ~ schema_name ~ '_' ~ table_name) -%}
                drop table if exists {{ schema_name }}.{{ table_name }}
            {%- endcall -%}
            {%- call statement('register_' ~ schema_name ~ '_' ~ table_name) -%}
                create table {{ schema_name }}.{{ table_name }}
                using parquet location '{{ root }}/{{ schema_name }}/{{ table_name }}'
            {%- endcall -%}
            {#- the exports are partitioned by batch date: a new table sees none until recovered -#}
            {%- if schema_name == 'raw' and table_name != 'load_manifest' -%}
                {%- call statement('recover_' ~ schema_name ~ '_' ~ table_name) -%}
                    alter table {{ schema_name }}.{{ table_name }} recover partitions
                {%- endcall -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
