-- Periodic snapshot: one row per policy per calendar month, from its issue month to the month
-- its cover finally ended (or the as-of month), with the premium due and paid that month and
-- whether it was in force at the month's end. The base of persistency and lapse.
with policies as (
    select * from {{ ref('dim_policy') }}
    where policy_key <> {{ unknown_key() }} and issue_date is not null
),

months as (
    select distinct month_start_date from {{ ref('dim_date') }}
),

status_periods as (
    select * from {{ ref('int_policies__status_periods') }}
),

payments as (
    select * from {{ ref('fct_premium_payments') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

policy_months as (
    select
        policies.policy_key,
        policies.policy_number,
        policies.customer_key,
        policies.agent_key,
        policies.product_key,
        policies.channel_key,
        policies.issue_date,
        months.month_start_date,
        cast({{ dbt.last_day('months.month_start_date', 'month') }} as date) as month_end_date,
        as_of.as_of_date
    from policies
    cross join as_of
    inner join months
        on months.month_start_date >= {{ dbt.date_trunc('month', 'policies.issue_date') }}
        and months.month_start_date <= {{ dbt.date_trunc('month', 'coalesce(policies.termination_date, as_of.as_of_date)') }}
        and months.month_start_date <= as_of.as_of_date
),

-- the status in force at the month's end (or on the as-of date, for the current month)
with_status as (
    select
        policy_months.*,
        status_periods.policy_status
    from policy_months
    left join status_periods
        on policy_months.policy_number = status_periods.policy_number
        and status_periods.valid_from <= least(policy_months.month_end_date, policy_months.as_of_date)
        and (
            status_periods.valid_to is null
            or status_periods.valid_to > least(policy_months.month_end_date, policy_months.as_of_date)
        )
),

monthly_premiums as (
    select
        policy_key,
        {{ dbt.date_trunc('month', 'due_date') }} as month_start_date,
        sum(amount_due_twd) as premium_due_twd,
        sum(case when is_paid then amount_paid_twd else 0 end) as premium_paid_twd,
        count(*) as installments_due,
        sum(case when is_paid then 1 else 0 end) as installments_paid
    from payments
    group by policy_key, {{ dbt.date_trunc('month', 'due_date') }}
),

final as (
    select
        cast({{ surrogate_key(['with_status.policy_key', 'with_status.month_start_date']) }} as varchar)
            as policy_month_key,
        cast(with_status.policy_key as varchar) as policy_key,
        cast(with_status.customer_key as varchar) as customer_key,
        cast(with_status.agent_key as varchar) as agent_key,
        cast(with_status.product_key as varchar) as product_key,
        cast(with_status.channel_key as varchar) as channel_key,
        cast(with_status.month_start_date as date) as month_start_date,
        cast({{ dbt.date_trunc('month', 'with_status.issue_date') }} as date) as issue_month_start_date,
        cast({{ dbt.datediff('with_status.issue_date', 'with_status.month_start_date', 'month') }} as integer)
            as months_since_issue,
        cast(coalesce(with_status.policy_status, 'in_force') as varchar) as month_end_status,
        cast(coalesce(with_status.policy_status, 'in_force') = 'in_force' as boolean) as is_in_force,
        cast(coalesce(monthly_premiums.premium_due_twd, 0) as decimal(18, 2)) as premium_due_twd,
        cast(coalesce(monthly_premiums.premium_paid_twd, 0) as decimal(18, 2)) as premium_paid_twd,
        cast(coalesce(monthly_premiums.installments_due, 0) as integer) as installments_due,
        cast(coalesce(monthly_premiums.installments_paid, 0) as integer) as installments_paid
    from with_status
    left join monthly_premiums
        on with_status.policy_key = monthly_premiums.policy_key
        and with_status.month_start_date = monthly_premiums.month_start_date
)

select * from final
