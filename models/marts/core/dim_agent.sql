with agents as (
    select * from {{ ref('stg_insurer__agents') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

known as (
    select
        cast({{ surrogate_key(['agents.agent_id']) }} as {{ dbt.type_string() }}) as agent_key,
        cast(agents.agent_id as {{ dbt.type_string() }}) as agent_id,
        cast(agents.agent_name as {{ dbt.type_string() }}) as agent_name,
        cast(agents.hire_date as date) as hire_date,
        cast(agents.termination_date as date) as termination_date,
        cast(agents.termination_date is not null and agents.termination_date <= as_of.as_of_date as boolean)
            as is_terminated,
        cast(
            {{ dbt.datediff('agents.hire_date', 'coalesce(agents.termination_date, as_of.as_of_date)', 'month') }}
            as integer
        ) as tenure_months,
        cast(agents.branch as {{ dbt.type_string() }}) as branch,
        cast(agents.channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(agents.agent_rank as {{ dbt.type_string() }}) as agent_rank
    from agents
    cross join as_of
),

unknown as (
    select
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as agent_key,
        cast('unknown' as {{ dbt.type_string() }}) as agent_id,
        cast(null as {{ dbt.type_string() }}) as agent_name,
        cast(null as date) as hire_date,
        cast(null as date) as termination_date,
        cast(false as boolean) as is_terminated,
        cast(null as integer) as tenure_months,
        cast(null as {{ dbt.type_string() }}) as branch,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast(null as {{ dbt.type_string() }}) as agent_rank
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
