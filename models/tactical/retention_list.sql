-- In-force policies likely to lapse whose next premium falls due soon: the retention team's and
-- the agents' call list, before the premium is missed. An orphaned policy (no active servicing
-- agent: the agent has left, or none is on record) goes to the reassignment queue, which assigns
-- a new agent first (dbt/macros/frontline.sql).
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

scores as (
    select * from {{ ref('stg_ml__policy_lapse_scores') }}
),

policies as (
    select * from {{ ref('dim_policy') }}
    where is_in_force
),

agents as (
    select * from {{ ref('dim_agent') }}
),

customers as (
    select * from {{ ref('customer_360') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

-- the next installment after the as-of date, from the issue date and the premium mode
schedule as (
    select
        policies.*,
        scores.lapse_probability_12m,
        cast(12 / policies.installments_per_year as integer) as months_between_installments,
        cast(
            floor(
                {{ dbt.datediff('policies.issue_date', 'as_of.as_of_date', 'month') }}
                / (12 / policies.installments_per_year)
            ) * (12 / policies.installments_per_year) as integer
        ) as months_to_last_installment,
        as_of.as_of_date
    from policies
    inner join scores on policies.policy_key = scores.policy_key
    cross join as_of
    where
        policies.installments_per_year > 0
        and scores.lapse_probability_12m >= {{ var('retention_min_lapse_probability') }}
),

due as (
    select
        *,
        case
            when {{ dbt.dateadd('month', 'months_to_last_installment', 'issue_date') }} > as_of_date
                then {{ dbt.dateadd('month', 'months_to_last_installment', 'issue_date') }}
            else {{ dbt.dateadd('month', 'months_to_last_installment + months_between_installments', 'issue_date') }}
        end as next_due_date
    from schedule
),

listed as (
    select
        due.*,
        case when agents.agent_key <> {{ unknown_key() }} then agents.agent_id end as agent_id,
        agents.agent_name,
        agents.branch as servicing_branch,
        coalesce(agents.agent_key <> {{ unknown_key() }}, false) as had_agent,
        not {{ is_active_agent('agents.agent_key', 'agents.is_terminated', 'agents.branch') }} as is_orphaned,
        customers.value_decile,
        customers.preferred_channel,
        channels.channel_name as preferred_channel_name,
        row_number() over (order by due.lapse_probability_12m desc, due.policy_number asc) as list_rank
    from due
    left join agents on due.agent_key = agents.agent_key
    left join customers on due.customer_key = customers.customer_key
    left join channels on customers.preferred_channel = channels.channel_code
    where due.next_due_date <= {{ dbt.dateadd('day', var('retention_premium_due_days'), 'due.as_of_date') }}
),

-- what to do, for the servicing agent (an orphan's assigned first): collect in person where the
-- agent collects the premium; where it is debited automatically, check the account will cover
-- it; otherwise remind, and offer the automatic debit that lapses least
{%- set due = "cast(cast(next_due_date as date) as " ~ dbt.type_string() ~ ")" %}
{%- set premium = "'the premium of their ' || lower(product_name) || ' policy ' || policy_number" %}
phrased as (
    select
        *,
        -- a policy whose owner's record is missing (quarantined, never delivered) is found first
        case
            when customer_key = {{ unknown_key() }}
                then
                    'find the owner of policy ' || policy_number
                    || ', who is missing from the customer records, and '
            else ''
        end
        || case
            when payment_method = 'agent_collection' and not is_orphaned
                then 'visit the customer before ' || {{ due }} || ' to collect ' || {{ premium }}
            when payment_method = 'auto_debit'
                then
                    'remind the customer '
                    || {{ by_channel('preferred_channel', 'preferred_channel_name') }}
                    || ' that '
                    || {{ premium }}
                    || ' is debited from their bank account on ' || {{ due }}
                    || ', and check the account will cover it'
            else
                'remind the customer '
                || {{ by_channel('preferred_channel', 'preferred_channel_name') }}
                || ' that '
                || {{ premium }}
                || ' falls due on ' || {{ due }}
                || ', and offer to pay it by automatic bank debit instead of '
                || case
                    when payment_method = 'agent_collection' then 'collection by an agent'
                    else coalesce(lower(payment_method_name), 'the present method')
                end
        end as action_phrase
    from listed
),

final as (
    select
        cast(list_rank as integer) as list_rank,
        cast(as_of_date as date) as as_of_date,
        cast(policy_number as {{ dbt.type_string() }}) as policy_number,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(product_type as {{ dbt.type_string() }}) as product_type,
        cast(payment_method as {{ dbt.type_string() }}) as payment_method,
        cast(annualised_premium_twd as double) as annualised_premium_twd,
        cast(lapse_probability_12m as double) as lapse_probability_12m,
        cast(next_due_date as date) as next_due_date,
        cast(value_decile as integer) as value_decile,
        cast(agent_id as {{ dbt.type_string() }}) as servicing_agent_id,
        cast(agent_name as {{ dbt.type_string() }}) as servicing_agent_name,
        cast(is_orphaned as boolean) as is_orphaned,
        cast(coalesce(servicing_branch, 'unassigned') as {{ dbt.type_string() }}) as servicing_branch,
        cast(
            {{ work_queue('is_orphaned', "coalesce(servicing_branch, 'unassigned')") }} as {{ dbt.type_string() }}
        ) as work_queue,
        cast(coalesce(preferred_channel, 'direct_mail') as {{ dbt.type_string() }}) as preferred_channel,
        cast(
            'Lapse risk '
            || {{ percent_text('lapse_probability_12m') }}
            || ' in the next 12 months; the premium falls due on '
            || cast(cast(next_due_date as date) as {{ dbt.type_string() }})
            || {{ orphan_reason('is_orphaned', 'had_agent') }}
            || case
                when customer_key = {{ unknown_key() }} then '; the owner is missing from the customer records' else ''
            end
            || '.'
            as {{ dbt.type_string() }}
        ) as reason,
        cast({{ action_sentence('action_phrase', 'is_orphaned', 'had_agent') }} as {{ dbt.type_string() }})
            as recommended_action,
        cast({{ is_control_group('retention_list', 'customer_key', 'as_of_date') }} as boolean)
            as is_control_group
    from phrased
)

select * from final
