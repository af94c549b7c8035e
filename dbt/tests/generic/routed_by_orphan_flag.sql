{#- Generic test: a front-line list's row is worked from the reassignment queue exactly when it
    is orphaned (no active servicing agent), and from its servicing branch otherwise
    (dbt/macros/frontline.sql). -#}
{% test routed_by_orphan_flag(model, orphan_column='is_orphaned', branch_column='servicing_branch') %}
select *
from {{ model }}
where
    work_queue is null
    or {{ orphan_column }} is null
    or (work_queue = {{ reassignment_queue() }}) <> {{ orphan_column }}
    or (not {{ orphan_column }} and work_queue <> {{ branch_column }})
{% endtest %}
