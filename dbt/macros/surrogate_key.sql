{#- A hashed surrogate key over one or more columns, null-safe and engine-portable
    (the same contract as dbt_utils.generate_surrogate_key, which cannot be installed here). -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '_null_')") -%}
        {%- if not loop.last %}{% do parts.append("'-'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- The key of each dimension's "unknown" member, which facts point to when a lookup fails. -#}
{% macro unknown_key() -%}
    '-1'
{%- endmacro %}
