{#- The latest delivered version of each row: exports are delivered again when a row changes
    (a snapshot re-sent, a payment date filled in), and the latest batch wins; within a batch,
    the later line. Adds `recency_rank` = 1 for the rows kept. -#}
{% macro latest_delivery(relation, key) -%}
    select * from (
        select
            *,
            row_number() over (
                partition by {{ key }} order by batch_date desc, source_line desc
            ) as recency_rank
        from {{ relation }}
    ) as ranked
    where recency_rank = 1
{%- endmacro %}
