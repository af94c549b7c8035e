with agents as (
    select * from {{ ref('stg_insurer__agents') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

known as (
    select
        cast({{ surrogate_key(['agents.agent_id']) }} as varchar) as agent_key,
        cast(agents.agent_id as varchar) as agent_id,
        cast(agents.agent_name as varchar) as agent_name,
        cast(agents.hire_date as date) as hire_date,
        cast(agents.termination_date as date) as termination_date,
        cast(agents.termination_date is not null and agents.termination_date <= as_of.as_of_date as boolean)
            as is_terminated,
        cast(
            {{ dbt.datediff('agents.hire_date', 'coalesce(agents.termination_date, as_of.as_of_date)', 'month') }}
            as integer
        ) as tenure_months,
        cast(agents.branch as varchar) as branch,
        cast(agents.channel_code as varchar) as channel_code,
        cast(agents.agent_rank as varchar) as agent_rank
    from agents
    cross join as_of
),

unknown as (
    select
        cast({{ unknown_key() }} as varchar) as agent_key,
        cast('unknown' as varchar) as agent_id,
        cast(null as varchar) as agent_name,
        cast(null as date) as hire_date,
        cast(null as date) as termination_date,
        cast(false as boolean) as is_terminated,
        cast(null as integer) as tenure_months,
        cast(null as varchar) as branch,
        cast(null as varchar) as channel_code,
        cast(null as varchar) as agent_rank
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
