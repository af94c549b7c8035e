{#- Whether a customer on a campaign list is held out as its control group: one in
    var('control_group_one_in'), chosen by a hash of the list, the customer and the as-of date,
    so the choice is random with respect to anything the list ranks by, stable within a day, and
    drawn afresh for each list and each day. -#}
{% macro is_control_group(list_name, customer_key, as_of_date) -%}
    ({{ hash_bucket(dbt.concat(["'" ~ list_name ~ "'", "'|'", customer_key, "'|'", "cast(" ~ as_of_date ~ " as " ~ dbt.type_string() ~ ")"]), var('control_group_one_in')) }} = 0)
{%- endmacro %}

{#- An integer from 0 to buckets - 1 taken from the md5 of an expression: the same on every
    engine, where each engine's own hash() differs. -#}
{% macro hash_bucket(expression, buckets) -%}
    {{ return(adapter.dispatch('hash_bucket', 'lifecrm')(expression, buckets)) }}
{%- endmacro %}

{% macro default__hash_bucket(expression, buckets) -%}
    cast(('0x' || substr({{ dbt.hash(expression) }}, 1, 8)) as bigint) % {{ buckets }}
{%- endmacro %}

{% macro spark__hash_bucket(expression, buckets) -%}
    cast(conv(substr({{ dbt.hash(expression) }}, 1, 8), 16, 10) as bigint) % {{ buckets }}
{%- endmacro %}
