-- Agent retention by recruitment cohort (hire year) and branch: of the agents recruited whose
-- 13th month since hire has passed, how many were still contracted 13 months on. The paper's
-- figure for Taiwan is a 66% drop-out, a third staying a year.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

agents as (
    select * from {{ ref('dim_agent') }}
    where agent_key <> {{ unknown_key() }} and hire_date is not null
),

marked as (
    select
        cast(extract(year from agents.hire_date) as integer) as recruitment_year,
        coalesce(agents.branch, 'unknown') as branch,
        {{ dbt.dateadd('month', 13, 'agents.hire_date') }} <= as_of.as_of_date as has_reached_13m,
        agents.termination_date is null
        or agents.termination_date >= {{ dbt.dateadd('month', 13, 'agents.hire_date') }} as has_stayed_13m,
        agents.is_terminated
    from agents
    cross join as_of
),

final as (
    select
        recruitment_year,
        cast(branch as {{ dbt.type_string() }}) as branch,
        cast(count(*) as bigint) as agents_recruited,
        cast(sum(case when has_reached_13m then 1 else 0 end) as bigint) as agents_at_13m,
        cast(sum(case when has_reached_13m and has_stayed_13m then 1 else 0 end) as bigint)
            as agents_retained_13m,
        cast(sum(case when not is_terminated then 1 else 0 end) as bigint) as agents_active_now
    from marked
    group by recruitment_year, branch
)

select
    *,
    cast(agents_retained_13m / nullif(agents_at_13m, 0) as double) as retention_13m,
    cast(1 - agents_retained_13m / nullif(agents_at_13m, 0) as double) as drop_out_13m
from final
