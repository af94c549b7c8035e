-- The in-force policies most likely to lapse in the next 12 months, with who should act: the
-- servicing agent's branch, or the reassignment queue when the policy has no active servicing
-- agent (the agent has left, or none is on record: an orphan policy; dbt/macros/frontline.sql).
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
        lower(policies.product_name) as product_name,
        policies.payment_method,
        lower(policies.payment_method_name) as payment_method_name,
        policies.annualised_premium_twd,
        scores.lapse_probability_12m,
        scores.as_of_date,
        case when agents.agent_key <> {{ unknown_key() }} then agents.agent_id end as agent_id,
        agents.agent_name,
        agents.branch,
        coalesce(agents.agent_key <> {{ unknown_key() }}, false) as had_agent,
        not {{ is_active_agent('agents.agent_key', 'agents.is_terminated', 'agents.branch') }} as is_orphan,
        row_number() over (
            order by scores.lapse_probability_12m desc, policies.policy_number asc
        ) as risk_rank
    from scores
    inner join policies on scores.policy_key = policies.policy_key
    left join agents on policies.agent_key = agents.agent_key
),

-- a review of the policy; unless its premium is debited automatically already, with the offer
-- of the automatic debit (the payment method that lapses least)
phrased as (
    select
        *,
        -- a policy whose owner's record is missing (quarantined, never delivered) is found first
        case
            when customer_key = {{ unknown_key() }}
                then 'find the owner of policy ' || policy_number || ', who is missing from the customer records, and '
            else ''
        end
        || case when payment_method = 'agent_collection' and not is_orphan then 'visit' else 'call' end
        || ' the customer to review their ' || product_name || ' policy ' || policy_number
        || case
            when payment_method = 'auto_debit' then ''
            else
                ', and offer to pay its premium by automatic bank debit instead of '
                || case
                    when payment_method = 'agent_collection' then 'collection by an agent'
                    else coalesce(payment_method_name, 'the present method')
                end
        end as action_phrase
    from ranked
    where risk_rank <= {{ var('lapse_worklist_size') }}
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
        cast({{ work_queue('is_orphan', "coalesce(branch, 'unassigned')") }} as {{ dbt.type_string() }})
            as work_queue,
        cast({{ action_sentence('action_phrase', 'is_orphan', 'had_agent') }} as {{ dbt.type_string() }})
            as recommended_action
    from phrased
)

select * from final
