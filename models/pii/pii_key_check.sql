-- Which key pseudonymised this warehouse: the key's HMAC of a fixed text, which tells two keys
-- apart and reveals nothing of either. Every dbt run first compares it with the key it was
-- given (dbt/macros/pii_key_check.sql), so that no table mixes customer keys of two keys.
select
    cast({{ person_key("'" ~ pii_key_check_text() ~ "'") }} as {{ dbt.type_string() }}) as key_check
