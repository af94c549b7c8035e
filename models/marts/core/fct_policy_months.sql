{{ config(
    materialized=replace_materialization(),
    incremental_strategy=replace_strategy(),
    unique_key='policy_key',
    on_schema_change='fail'
) }}

-- (read only on incremental runs)
-- depends_on: {{ ref('stg_insurer__policies') }}
-- depends_on: {{ ref('stg_insurer__policy_events') }}
-- depends_on: {{ ref('stg_insurer__premium_payments') }}

-- Periodic snapshot: one row per policy per calendar month, from its issue month to the month
-- its cover finally ended (or the as-of month), with the premium due and paid that month and
-- whether it was in force at the month's end, and paid-up by then. The base of persistency and
-- lapse, and of the premium in force by month.
--
-- Incremental by policy: a run rebuilds every month of the policies with a delivery (the policy,
-- an event, an installment) after the table's latest, late or corrected ones included, and of
-- the policies still open in the latest month built (their current month moves with the as-of
-- date). A policy that ended before that and has no new delivery keeps its rows: nothing about
-- it can have changed.
with policies as (
    select * from {{ ref('dim_policy') }}
    where
        policy_key <> {{ unknown_key() }} and issue_date is not null
    {% if is_incremental() %}
        and (
            policy_number in (
                select policy_number from {{ ref('stg_insurer__policies') }}
                where batch_date > {{ delivered_through() }}
                union all
                select policy_number from {{ ref('stg_insurer__policy_events') }}
                where batch_date > {{ delivered_through() }}
                union all
                select policy_number from {{ ref('stg_insurer__premium_payments') }}
                where batch_date > {{ delivered_through() }}
            )
            or policy_key in (
                select policy_key from {{ this }}
                where month_start_date >= (select max(month_start_date) from {{ this }})
            )
        )
    {% endif %}
),

-- the latest delivery behind each policy's rows: the policy, its events, its installments
deliveries as (
    select
        policy_number,
        batch_date
    from {{ ref('stg_insurer__policies') }}
    union all
    select
        policy_number,
        batch_date
    from {{ ref('stg_insurer__policy_events') }}
    union all
    select
        policy_number,
        batch_date
    from {{ ref('stg_insurer__premium_payments') }}
),

latest_delivery as (
    select
        policy_number,
        max(batch_date) as source_batch_date
    from deliveries
    group by policy_number
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
        policies.annualised_premium_twd,
        policies.paid_up_date,
        months.month_start_date,
        cast({{ dbt.last_day('months.month_start_date', 'month') }} as date) as month_end_date,
        as_of.as_of_date
    from policies
    cross join as_of
    inner join months
        on months.month_start_date >= {{ dbt.date_trunc('month', 'policies.issue_date') }}
        and months.month_start_date
        <= {{ dbt.date_trunc('month', 'coalesce(policies.termination_date, as_of.as_of_date)') }}
        and as_of.as_of_date >= months.month_start_date
),

-- the status in force at the month's end (or on the as-of date, for the current month)
with_status as (
    select
        policy_months.*,
        status_periods.policy_status,
        coalesce(status_periods.policy_status, 'in_force') = 'in_force' as is_in_force,
        coalesce(
            policy_months.paid_up_date <= least(policy_months.month_end_date, policy_months.as_of_date),
            false
        ) as is_paid_up_by_then
    from policy_months
    left join status_periods
        on policy_months.policy_number = status_periods.policy_number
        and {{ valid_on('status_periods', 'least(policy_months.month_end_date, policy_months.as_of_date)') }}
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
        cast({{ surrogate_key(['with_status.policy_key', 'with_status.month_start_date']) }} as {{ dbt.type_string() }})
            as policy_month_key,
        cast(with_status.policy_key as {{ dbt.type_string() }}) as policy_key,
        cast(with_status.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(with_status.agent_key as {{ dbt.type_string() }}) as agent_key,
        cast(with_status.product_key as {{ dbt.type_string() }}) as product_key,
        cast(with_status.channel_key as {{ dbt.type_string() }}) as channel_key,
        cast(with_status.month_start_date as date) as month_start_date,
        cast({{ dbt.date_trunc('month', 'with_status.issue_date') }} as date) as issue_month_start_date,
        cast(
            {{ dbt.datediff('with_status.issue_date', 'with_status.month_start_date', 'month') }}
            as integer
        ) as months_since_issue,
        cast(coalesce(with_status.policy_status, 'in_force') as {{ dbt.type_string() }}) as month_end_status,
        cast(with_status.is_in_force as boolean) as is_in_force,
        cast(with_status.annualised_premium_twd as decimal(18, 2)) as annualised_premium_twd,
        -- dim_policy's premium in force, at the month's end: in force and still paying
        cast(with_status.is_in_force and with_status.is_paid_up_by_then as boolean) as is_paid_up,
        cast(
            case
                when with_status.is_in_force and not with_status.is_paid_up_by_then
                    then with_status.annualised_premium_twd
                else 0
            end as decimal(18, 2)
        ) as annualised_premium_in_force_twd,
        cast(coalesce(monthly_premiums.premium_due_twd, 0) as decimal(18, 2)) as premium_due_twd,
        cast(coalesce(monthly_premiums.premium_paid_twd, 0) as decimal(18, 2)) as premium_paid_twd,
        cast(coalesce(monthly_premiums.installments_due, 0) as integer) as installments_due,
        cast(coalesce(monthly_premiums.installments_paid, 0) as integer) as installments_paid,
        cast(latest_delivery.source_batch_date as date) as source_batch_date
    from with_status
    left join monthly_premiums
        on with_status.policy_key = monthly_premiums.policy_key
        and with_status.month_start_date = monthly_premiums.month_start_date
    left join latest_delivery on with_status.policy_number = latest_delivery.policy_number
)

select * from final
