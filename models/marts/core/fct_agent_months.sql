-- Periodic snapshot: one row per agent per month from the hire month to the termination month
-- (or the as-of month): the base of agent retention and productivity.
with agents as (
    select * from {{ ref('dim_agent') }}
    where agent_key <> {{ unknown_key() }} and hire_date is not null
),

months as (
    select distinct month_start_date from {{ ref('dim_date') }}
),

policies as (
    select
        agent_key,
        issue_date,
        annualised_premium_twd
    from {{ ref('dim_policy') }}
),

trainings as (
    select * from {{ ref('stg_insurer__agent_trainings') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

agent_months as (
    select
        agents.agent_key,
        agents.agent_id,
        agents.hire_date,
        agents.termination_date,
        months.month_start_date
    from agents
    cross join as_of
    inner join months
        on months.month_start_date >= {{ dbt.date_trunc('month', 'agents.hire_date') }}
        and months.month_start_date
        <= {{ dbt.date_trunc('month', 'coalesce(agents.termination_date, as_of.as_of_date)') }}
        and as_of.as_of_date >= months.month_start_date
),

sales as (
    select
        agent_key,
        {{ dbt.date_trunc('month', 'issue_date') }} as month_start_date,
        count(*) as policies_sold,
        sum(annualised_premium_twd) as annualised_premium_sold_twd
    from policies
    group by agent_key, {{ dbt.date_trunc('month', 'issue_date') }}
),

training as (
    select
        agent_id,
        {{ dbt.date_trunc('month', 'training_date') }} as month_start_date,
        sum(training_hours) as training_hours
    from trainings
    group by agent_id, {{ dbt.date_trunc('month', 'training_date') }}
),

final as (
    select
        cast(
            {{ surrogate_key(['agent_months.agent_key', 'agent_months.month_start_date']) }} as {{ dbt.type_string() }}
        )
            as agent_month_key,
        cast(agent_months.agent_key as {{ dbt.type_string() }}) as agent_key,
        cast(agent_months.month_start_date as date) as month_start_date,
        cast(
            {{ dbt.datediff('agent_months.hire_date', 'agent_months.month_start_date', 'month') }}
            as integer
        ) as months_since_hire,
        cast(
            agent_months.month_start_date = {{ dbt.date_trunc('month', 'agent_months.hire_date') }} as boolean
        ) as is_recruited_this_month,
        cast(
            agent_months.termination_date is not null
            and agent_months.month_start_date = {{ dbt.date_trunc('month', 'agent_months.termination_date') }}
            as boolean
        ) as is_terminated_this_month,
        cast(
            agent_months.termination_date is null
            or agent_months.termination_date > {{ dbt.last_day('agent_months.month_start_date', 'month') }}
            as boolean
        ) as is_active_at_month_end,
        cast(coalesce(sales.policies_sold, 0) as integer) as policies_sold,
        cast(coalesce(sales.annualised_premium_sold_twd, 0) as decimal(18, 2)) as annualised_premium_sold_twd,
        cast(coalesce(training.training_hours, 0) as integer) as training_hours
    from agent_months
    left join sales
        on agent_months.agent_key = sales.agent_key
        and agent_months.month_start_date = sales.month_start_date
    left join training
        on agent_months.agent_id = training.agent_id
        and agent_months.month_start_date = training.month_start_date
)

select * from final
