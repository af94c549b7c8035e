{#- The version of a validity history (valid_from inclusive, valid_to exclusive, empty while
    current) that holds on `day`: for joins to dim_customer and to policy status periods. -#}
{% macro valid_on(alias, day) -%}
    ({{ alias }}.valid_from <= {{ day }} and ({{ alias }}.valid_to is null or {{ alias }}.valid_to > {{ day }}))
{%- endmacro %}
