{#- Pseudonymisation. A customer is keyed by HMAC-SHA256 of their national ID under a secret key,
    so the same person delivered under two customer numbers gets one key, and nobody without
    the key can recover the ID by hashing every possible one (lifecrm/pii_key.py says where the
    key comes from). The engines have sha256 but no HMAC: it is sha256(outer pad || sha256(inner
    pad || ID)), with the key's pads handed to the session, never written into the SQL. -#}
{% macro person_key(national_id) -%}
    {{ return(adapter.dispatch('person_key', 'lifecrm')(national_id)) }}
{%- endmacro %}

{#- DuckDB: session variables that lifecrm/dbt_pii_plugin.py sets on every connection. -#}
{% macro default__person_key(national_id) -%}
    sha256(
        {{ pii_pad('lifecrm_pii_opad') }}
        || unhex(sha256({{ pii_pad('lifecrm_pii_ipad') }} || encode({{ national_id }})))
    )
{%- endmacro %}

{% macro pii_pad(variable) -%}
    coalesce(getvariable('{{ variable }}'), error('{{ pii_key_missing() }}'))
{%- endmacro %}

{#- Spark: session configuration the spark target's profile sets (64 bytes each, as hex). -#}
{% macro spark__person_key(national_id) -%}
    sha2(
        concat(
            {{ spark_pii_pad('spark.lifecrm.pii_opad') }},
            unhex(sha2(concat({{ spark_pii_pad('spark.lifecrm.pii_ipad') }}, encode({{ national_id }}, 'UTF-8')), 256))
        ),
        256
    )
{%- endmacro %}

{% macro spark_pii_pad(setting) -%}
    case
        when length('${ {{- setting -}} }') = 128 then unhex('${ {{- setting -}} }')
        else raise_error('{{ pii_key_missing() }}')
    end
{%- endmacro %}

{% macro pii_key_missing() -%}
    no pseudonymisation key on this connection: dbt must run with the profiles in dbt/, whose plugin (DuckDB) or session settings (Spark) carry the key LIFECRM_PII_KEY names
{%- endmacro %}

{#- sha256 as lower-case hex: the function's name differs per engine. The vendor matches
    households by the plain sha256 of the ID (docs/export-contract.md), which therefore stays in
    the pii schema with the ID itself. -#}
{% macro sha256(expression) -%}
    {{ return(adapter.dispatch('sha256', 'lifecrm')(expression)) }}
{%- endmacro %}

{% macro default__sha256(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}
