-- In-force policies likely to lapse whose next premium falls due soon: the retention team's and
-- the agents' call list, before the premium is missed. An orphaned policy (its servicing agent
-- has left) goes to the call centre instead, with a new agent to assign.
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
        agents.agent_id,
        agents.agent_name,
        coalesce(agents.is_terminated, true) as is_orphaned,
        customers.value_decile,
        customers.preferred_channel,
        customers.servicing_branch,
        row_number() over (order by due.lapse_probability_12m desc, due.policy_number asc) as list_rank
    from due
    left join agents on due.agent_key = agents.agent_key
    left join customers on due.customer_key = customers.customer_key
    where due.next_due_date <= {{ dbt.dateadd('day', var('retention_premium_due_days'), 'due.as_of_date') }}
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
        cast(coalesce(preferred_channel, 'direct_mail') as {{ dbt.type_string() }}) as preferred_channel,
        cast(
            'lapse risk ' || cast(round(lapse_probability_12m, 2) as {{ dbt.type_string() }})
            || '; premium due ' || cast(cast(next_due_date as date) as {{ dbt.type_string() }})
            || case when is_orphaned then '; servicing agent has left' else '' end
            as {{ dbt.type_string() }}
        ) as reason,
        cast(
            case
                when is_orphaned then 'assign a new agent; call centre to call before the due date'
                when payment_method = 'agent_collection' then 'agent to visit and collect the premium'
                else 'agent to call before the due date; offer auto-debit'
            end as {{ dbt.type_string() }}
        ) as recommended_action,
        cast({{ is_control_group('retention_list', 'customer_key', 'as_of_date') }} as boolean)
            as is_control_group
    from listed
)

select * from final
