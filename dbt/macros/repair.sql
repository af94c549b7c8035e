{#- Repairs of values that are valid data in another form (docs/export-contract.md). -#}

{#- A code or short text: full-width characters to their ASCII forms, stray spaces and tabs trimmed.
    A value already clean (ASCII, nothing to trim: almost every value) is kept as it is, tested
    first: translate() and trim() cost some twenty and four times the test. -#}
{% macro clean_text(column) -%}
    {%- set full_width = '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　' -%}
    {%- set ascii = '!"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~ ' -%}
    case
        when {{ is_ascii(column) }} and {{ has_no_outer_blank(column) }}
            then {{ column }}
        else {{ trim_characters(
            'translate(' ~ column ~ ', ' ~ text_literal(full_width) ~ ', ' ~ text_literal(ascii) ~ ')',
            "' ' || chr(9)"
        ) }}
    end
{%- endmacro %}

{#- Neither starts nor ends with a space or a tab. On DuckDB, LIKE with a fixed prefix or suffix
    is a byte comparison, where left() and right() cut a string and cost twice; Spark keeps the
    shorter text (its metastore holds a view's SQL in at most 32,700 characters). -#}
{% macro has_no_outer_blank(column) -%}
    {{ return(adapter.dispatch('has_no_outer_blank', 'lifecrm')(column)) }}
{%- endmacro %}

{% macro default__has_no_outer_blank(column) -%}
    {{ column }} not like ' %' and {{ column }} not like '% '
            and {{ column }} not like chr(9) || '%' and {{ column }} not like '%' || chr(9)
{%- endmacro %}

{% macro spark__has_no_outer_blank(column) -%}
    left({{ column }}, 1) not in (' ', chr(9)) and right({{ column }}, 1) not in (' ', chr(9))
{%- endmacro %}

{#- Every character of the text is ASCII: as many bytes as characters. -#}
{% macro is_ascii(column) -%}
    {{ return(adapter.dispatch('is_ascii', 'lifecrm')(column)) }}
{%- endmacro %}

{% macro default__is_ascii(column) -%}
    strlen({{ column }}) = length({{ column }})
{%- endmacro %}

{% macro spark__is_ascii(column) -%}
    octet_length({{ column }}) = char_length({{ column }})
{%- endmacro %}

{#- A string literal of any text: Spark reads a backslash in a literal as an escape and joins
    two adjacent literals, so a quote is escaped differently on each engine. -#}
{% macro text_literal(text) -%}
    {{ return(adapter.dispatch('text_literal', 'lifecrm')(text)) }}
{%- endmacro %}

{% macro default__text_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__text_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{#- Strip any of `characters` from both ends: Spark's two-argument trim() takes them first. -#}
{% macro trim_characters(expression, characters) -%}
    {{ return(adapter.dispatch('trim_characters', 'lifecrm')(expression, characters)) }}
{%- endmacro %}

{% macro default__trim_characters(expression, characters) -%}
    trim({{ expression }}, {{ characters }})
{%- endmacro %}

{% macro spark__trim_characters(expression, characters) -%}
    trim(both {{ characters }} from {{ expression }})
{%- endmacro %}

{#- A date written as ISO (2023-05-03) or in the Republic of China calendar (112/05/03, 1120503,
    ROC year = Gregorian year - 1911); anything else is null. -#}
{% macro parse_date(column) -%}
    case
        when {{ full_match(column, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }}
            then try_cast({{ column }} as date)
        when {{ full_match(column, '[0-9]{2,3}/[0-9]{2}/[0-9]{2}') }}
            then try_cast(
                lpad(cast(cast(split_part({{ column }}, '/', 1) as integer) + 1911 as {{ dbt.type_string() }}), 4, '0')
                || '-' || split_part({{ column }}, '/', 2) || '-' || split_part({{ column }}, '/', 3)
                as date
            )
        when {{ full_match(column, '[0-9]{6,7}') }}
            then try_cast(
                cast(cast(left({{ column }}, length({{ column }}) - 4) as integer) + 1911 as {{ dbt.type_string() }})
                || '-' || substr({{ column }}, length({{ column }}) - 3, 2) || '-' || right({{ column }}, 2)
                as date
            )
    end
{%- endmacro %}

{#- The repairs validation and staging share, so that the value Great Expectations checks is the
    value staging keeps: clean_text, parse_date and parse_amount, rendered for DuckDB into
    expectations/repairs.json (`python -m lifecrm.quality.repairs`), which validation reads; a
    test keeps that file in step with these macros. -#}

{#- A date, its text cleaned first (a full-width or padded date is a date). -#}
{% macro repair_date(column) -%}
    {{ parse_date(clean_text(column)) }}
{%- endmacro %}

{#- An amount, its text cleaned first. -#}
{% macro repair_amount(column) -%}
    {{ parse_amount(clean_text(column)) }}
{%- endmacro %}

{#- An amount (whole TWD, kept as decimal(18, 2)); anything that is not a number is null, which
    validation refuses when the delivered text was not empty. -#}
{% macro parse_amount(column) -%}
    try_cast({{ column }} as decimal(18, 2))
{%- endmacro %}

{#- The rows of a raw table that validation accepted: not listed in quarantine.<export>. On
    Spark the raw tables are the Parquet that lifecrm/parquet_export.py publishes, which holds
    the accepted rows only (the same selection, made before publishing). -#}
{% macro accepted_rows(relation, export) -%}
    {{ return(adapter.dispatch('accepted_rows', 'lifecrm')(relation, export)) }}
{%- endmacro %}

{% macro default__accepted_rows(relation, export) -%}
    select delivered.*
    from {{ relation }} as delivered
    where not exists (
        select 1
        from quarantine.{{ export }} as refused
        where refused._source_file = delivered._source_file
            and refused._source_line = delivered._source_line
    )
{%- endmacro %}

{% macro spark__accepted_rows(relation, export) -%}
    select delivered.*
    from {{ relation }} as delivered
{%- endmacro %}

{#- The whole value matches a regular expression: the function differs per engine. -#}
{% macro full_match(column, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'lifecrm')(column, pattern)) }}
{%- endmacro %}

{% macro default__full_match(column, pattern) -%}
    regexp_full_match({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__full_match(column, pattern) -%}
    ({{ column }} rlike '^{{ pattern }}$')
{%- endmacro %}
