{#- The front-line lists' shared rules: who works a row, and how its recommended action reads.

    A row is orphaned when no active servicing agent with a branch stands behind it: the agent
    has left, or the agency system knows none (a prospect, a policy sold without an agent, or an
    agent missing from the agency export). An orphaned row is worked from the reassignment
    queue, whose team assigns a servicing agent first; any other row by the servicing agent's
    branch. The front-line exports write one folder per work queue. -#}

{% macro reassignment_queue() -%}
    'reassignment queue'
{%- endmacro %}

{#- Whether an agent (the dim_agent columns of a left join, with its `unknown` member) is an
    active servicing agent a branch can hand the work to. -#}
{% macro is_active_agent(agent_key, is_terminated, branch) -%}
    coalesce({{ agent_key }} <> {{ unknown_key() }} and not {{ is_terminated }} and {{ branch }} is not null, false)
{%- endmacro %}

{#- The queue that works a row: its servicing branch, or the reassignment queue. -#}
{% macro work_queue(is_orphaned, branch) -%}
    case when {{ is_orphaned }} then {{ reassignment_queue() }} else {{ branch }} end
{%- endmacro %}

{#- Why a row is orphaned, as a clause of its reason ('' when it is not). -#}
{% macro orphan_reason(is_orphaned, had_agent) -%}
    case
        when not {{ is_orphaned }} then ''
        when {{ had_agent }} then '; the servicing agent has left'
        else '; no servicing agent on record'
    end
{%- endmacro %}

{#- The recommended action as a sentence: `phrase` (SQL text starting with a lower-case verb,
    without the final full stop) for the servicing agent's branch, or, on an orphaned row, for
    a servicing agent the reassignment queue assigns first. -#}
{% macro action_sentence(phrase, is_orphaned, had_agent) -%}
    case
        when {{ is_orphaned }}
            then 'Assign a ' || case when {{ had_agent }} then 'new ' else '' end
            || 'servicing agent to ' || {{ phrase }} || '.'
        else upper(substr({{ phrase }}, 1, 1)) || substr({{ phrase }}, 2) || '.'
    end
{%- endmacro %}

{#- How to reach the customer through a contact channel, as a sentence says it: 'by phone',
    'in person', 'by e-mail'; a channel without a phrase here by its dim_channel name. -#}
{% macro by_channel(channel_code, channel_name) -%}
    case {{ channel_code }}
        when 'agent_visit' then 'in person'
        when 'call_centre' then 'by phone'
        when 'email' then 'by e-mail'
        when 'direct_mail' then 'by post'
        when 'app' then 'through the mobile app'
        when 'web' then 'through the web site'
        when 'bank_branch' then 'at their bank branch'
        else 'by ' || lower(coalesce({{ channel_name }}, 'post'))
    end
{%- endmacro %}

{#- A kind of insurance in a sentence, from its name in the product_types seed: 'annuity
    insurance', 'term life insurance'. -#}
{% macro insurance_kind(product_type_name) -%}
    lower({{ product_type_name }}) || ' insurance'
{%- endmacro %}

{#- A probability as a whole percentage: '62%'. -#}
{% macro percent_text(probability) -%}
    cast(cast(round({{ probability }} * 100) as integer) as {{ dbt.type_string() }}) || '%'
{%- endmacro %}
