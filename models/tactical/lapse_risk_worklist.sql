-- The in-force policies most likely to lapse in the next 12 months, with who should act:
-- the servicing agent, or the retention team when the agent has left (an orphan policy).
with scores as (
    select * from {{ ref('stg_ml__policy_lapse_scores') }}
),

policies as (
    select * from {{ ref('dim_policy') }}
    where is_in_force
),

agents as (
    select * from {{ ref('dim_agent') }}
),

ranked as (
    select
        policies.policy_key,
        policies.policy_number,
        policies.customer_key,
        policies.product_code,
        policies.payment_method,
        policies.annualised_premium_twd,
        scores.lapse_probability_12m,
        scores.as_of_date,
        agents.agent_id,
        agents.agent_name,
        agents.branch,
        agents.is_terminated as is_orphan,
        row_number() over (
            order by scores.lapse_probability_12m desc, policies.policy_number asc
        ) as risk_rank
    from scores
    inner join policies on scores.policy_key = policies.policy_key
    left join agents on policies.agent_key = agents.agent_key
),

final as (
    select
        cast(risk_rank as integer) as risk_rank,
        cast(policy_key as {{ dbt.type_string() }}) as policy_key,
        cast(policy_number as {{ dbt.type_string() }}) as policy_number,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(product_code as {{ dbt.type_string() }}) as product_code,
        cast(payment_method as {{ dbt.type_string() }}) as payment_method,
        cast(annualised_premium_twd as decimal(18, 2)) as annualised_premium_twd,
        cast(lapse_probability_12m as double) as lapse_probability_12m,
        cast(as_of_date as date) as as_of_date,
        cast(agent_id as {{ dbt.type_string() }}) as agent_id,
        cast(agent_name as {{ dbt.type_string() }}) as agent_name,
        cast(branch as {{ dbt.type_string() }}) as branch,
        cast(is_orphan as boolean) as is_orphan,
        cast(
            case
                when is_orphan then 'assign a new servicing agent and call the customer'
                when payment_method != 'auto_debit' then 'agent visit; offer auto-debit'
                else 'agent call to review the policy'
            end as {{ dbt.type_string() }}
        ) as recommended_action
    from ranked
    where risk_rank <= {{ var('lapse_worklist_size') }}
)

select * from final
