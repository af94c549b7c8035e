{#- Pseudonymisation. A customer is keyed by a salted sha256 of their national ID, so the same
    person delivered under two customer numbers gets one key, and the key cannot be reversed
    by hashing every possible ID without the salt. The salt comes from LIFECRM_PII_SALT; the
    development default is for simulated data only. -#}
{% macro pii_salt() -%}
    '{{ env_var("LIFECRM_PII_SALT", "lifecrm-development-salt") }}'
{%- endmacro %}

{% macro person_key(national_id) -%}
    {{ sha256(dbt.concat([pii_salt(), national_id])) }}
{%- endmacro %}

{#- sha256 as lower-case hex: the function's name differs per engine. -#}
{% macro sha256(expression) -%}
    {{ return(adapter.dispatch('sha256', 'lifecrm')(expression)) }}
{%- endmacro %}

{% macro default__sha256(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}
