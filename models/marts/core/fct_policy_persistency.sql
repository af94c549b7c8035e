-- Persistency milestones: one row per policy per milestone (13 and 25 months), saying whether
-- the milestone has been reached by the as-of date and whether the policy was in force then.
-- The milestone is the end of the N-th month after the issue month. 13-month persistency of
-- a cohort = policies in force at the milestone / policies whose milestone has passed.
with policies as (
    select * from {{ ref('dim_policy') }}
    where policy_key <> {{ unknown_key() }} and issue_date is not null
),

milestones as (
    select 13 as milestone_months
    union all
    select 25 as milestone_months
),

status_periods as (
    select * from {{ ref('int_policies__status_periods') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

marks as (
    select
        policies.policy_key,
        policies.policy_number,
        policies.customer_key,
        policies.agent_key,
        policies.product_key,
        policies.channel_key,
        policies.issue_date,
        milestones.milestone_months,
        cast(
            {{ dbt.last_day(
                dbt.dateadd('month', 'milestones.milestone_months', dbt.date_trunc('month', 'policies.issue_date')),
                'month'
            ) }}
            as date
        ) as milestone_date,
        as_of.as_of_date
    from policies
    cross join milestones
    cross join as_of
),

with_status as (
    select
        marks.*,
        status_periods.policy_status
    from marks
    left join status_periods
        on marks.policy_number = status_periods.policy_number
        and {{ valid_on('status_periods', 'marks.milestone_date') }}
),

final as (
    select
        cast(
            {{ surrogate_key(['policy_key', 'milestone_months']) }} as {{ dbt.type_string() }}
        ) as policy_milestone_key,
        cast(policy_key as {{ dbt.type_string() }}) as policy_key,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(agent_key as {{ dbt.type_string() }}) as agent_key,
        cast(product_key as {{ dbt.type_string() }}) as product_key,
        cast(channel_key as {{ dbt.type_string() }}) as channel_key,
        cast(issue_date as date) as issue_date,
        cast(milestone_months as integer) as milestone_months,
        cast(milestone_date as date) as milestone_date,
        cast(milestone_date <= as_of_date as boolean) as is_milestone_reached,
        cast(milestone_date <= as_of_date and coalesce(policy_status, 'in_force') = 'in_force' as boolean)
            as is_in_force_at_milestone
    from with_status
)

select * from final
