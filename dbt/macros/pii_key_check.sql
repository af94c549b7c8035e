{#- The text whose HMAC pii.pii_key_check records (lifecrm/pii_key.py's CHECK_TEXT). -#}
{% macro pii_key_check_text() -%}
    lifecrm pseudonymisation key check
{%- endmacro %}

{#- Run before every dbt command (dbt_project.yml's on-run-start): a warehouse keyed under one
    key is never built on under another, since its incremental facts and the customer snapshot
    would then hold two keys for one person. A full refresh, or an empty warehouse, starts over;
    rotating the key is a rebuild (docs/operations.md). -#}
{% macro assert_pii_key_unchanged() -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set recorded = adapter.get_relation(
            database=target.database, schema='pii', identifier='pii_key_check') -%}
        {%- if recorded is not none -%}
            {%- set same = run_query(
                "select count(*) from " ~ recorded ~ " where key_check = "
                ~ person_key("'" ~ pii_key_check_text() ~ "'")) -%}
            {%- if same.columns[0].values()[0] == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "this warehouse was pseudonymised with another key than the one "
                    ~ "LIFECRM_PII_KEY (or the simulated world's secrets/pii.key) gives now: "
                    ~ "building on it would give one person two customer keys. Run with the key "
                    ~ "it was built with, or re-key it (`lifecrm rekey`, docs/operations.md)") }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
