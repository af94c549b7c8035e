-- One row per policy in force and still paying (not paid-up) on each feature date (the as-of
-- date and one and two years before it), with features known on that date: nothing dated
-- after it is read. The lapse model fits on the earliest date, evaluates on the middle one and
-- scores the as-of date; the outcomes it learns from are in feat_policy_outcomes.
with feature_dates as (
    {{ feature_dates() }}
),

-- a policy is in force on a date when its status period holding on that date is in force
in_force as (
    select
        feature_dates.feature_date,
        policies.*
    from {{ ref('dim_policy') }} as policies
    cross join feature_dates
    inner join {{ ref('int_policies__status_periods') }} as periods
        on
        policies.policy_number = periods.policy_number
        and {{ valid_on('periods', 'feature_dates.feature_date') }}
    where
        policies.policy_key <> {{ unknown_key() }}
        and periods.policy_status = 'in_force'
        -- a paid-up policy pays no premium: it cannot lapse, so it is neither scored nor learnt from
        and (policies.paid_up_date is null or policies.paid_up_date > feature_dates.feature_date)
),

payments as (
    select
        feature_dates.feature_date,
        payments.policy_key,
        payments.due_date,
        case when payments.paid_date <= feature_dates.feature_date then payments.paid_date end
            as paid_by_feature_date
    from {{ ref('fct_premium_payments') }} as payments
    inner join feature_dates on payments.due_date <= feature_dates.feature_date
),

payment_history as (
    select
        feature_date,
        policy_key,
        sum(
            case when due_date > {{ dbt.dateadd('month', -12, 'feature_date') }} then 1 else 0 end
        ) as installments_due_12m,
        sum(
            case
                when
                    due_date > {{ dbt.dateadd('month', -12, 'feature_date') }}
                    and {{
                        dbt.datediff('due_date', 'coalesce(paid_by_feature_date, feature_date)', 'day')
                    }} > 15
                    then 1
                else 0
            end
        ) as late_installments_12m,
        sum(case when paid_by_feature_date is null then 1 else 0 end) as unpaid_installments,
        max(
            case
                when paid_by_feature_date is null
                    then {{ dbt.datediff('due_date', 'feature_date', 'day') }}
            end
        ) as days_overdue,
        avg(
            case
                when due_date > {{ dbt.dateadd('month', -12, 'feature_date') }}
                    then {{ dbt.datediff('due_date', 'coalesce(paid_by_feature_date, feature_date)', 'day') }}
            end
        ) as mean_days_late_12m
    from payments
    group by feature_date, policy_key
),

-- every interaction up to each feature date, marked when it falls in the twelve months before it
interactions as (
    select
        feature_dates.feature_date,
        interactions.*,
        interactions.interaction_date > {{ dbt.dateadd('month', -12, 'feature_dates.feature_date') }}
            as is_within_12m
    from {{ ref('fct_interactions') }} as interactions
    inner join feature_dates on interactions.interaction_date <= feature_dates.feature_date
),

contacts as (
    select
        feature_date,
        customer_key,
        sum(case when is_complaint and is_within_12m then 1 else 0 end) as complaints_12m,
        sum(case when interaction_type = 'compliment' and is_within_12m then 1 else 0 end)
            as compliments_12m,
        sum(case when interaction_type = 'cancellation' and is_within_12m then 1 else 0 end)
            as cancellation_requests_12m,
        max(
            case
                when is_complaint and (resolved_date is null or resolved_date > feature_date) then 1
                else 0
            end
        ) as has_unresolved_complaint,
        max(
            case
                when
                    is_complaint
                    and resolved_date <= feature_date
                    and resolved_date > {{ dbt.dateadd('day', -183, 'feature_date') }}
                    then 1
                else 0
            end
        ) as complaint_resolved_6m
    from interactions
    group by feature_date, customer_key
),

surveys as (
    select
        feature_dates.feature_date,
        responses.customer_key,
        avg(responses.csat_score) as mean_csat_score
    from {{ ref('fct_survey_responses') }} as responses
    inner join feature_dates on responses.survey_date <= feature_dates.feature_date
    where responses.respondent_type = 'customer'
    group by feature_dates.feature_date, responses.customer_key
),

final as (
    select
        cast(in_force.policy_key as {{ dbt.type_string() }}) as policy_key,
        cast(in_force.feature_date as date) as feature_date,
        cast(in_force.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(in_force.product_type as {{ dbt.type_string() }}) as product_type,
        cast(in_force.channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(in_force.payment_method as {{ dbt.type_string() }}) as payment_method,
        cast(in_force.premium_mode as {{ dbt.type_string() }}) as premium_mode,
        cast(coalesce(customers.acquisition_source, 'unknown') as {{ dbt.type_string() }})
            as acquisition_source,
        cast(coalesce(customers.income_band, 'unknown') as {{ dbt.type_string() }}) as income_band,
        cast(coalesce(customers.marital_status, 'unknown') as {{ dbt.type_string() }}) as marital_status,
        cast(coalesce(customers.children_count, 0) as integer) as children_count,
        cast(
            {{ age_in_years('customers.birth_date', 'in_force.feature_date') }}
            as integer
        ) as age_years,
        cast(
            {{ dbt.datediff('in_force.issue_date', 'in_force.feature_date', 'month') }}
            as integer
        ) as months_since_issue,
        cast(in_force.annualised_premium_twd as double) as annualised_premium_twd,
        cast(coalesce(history.installments_due_12m, 0) as integer) as installments_due_12m,
        cast(coalesce(history.late_installments_12m, 0) as integer) as late_installments_12m,
        cast(coalesce(history.unpaid_installments, 0) as integer) as unpaid_installments,
        cast(coalesce(history.days_overdue, 0) as integer) as days_overdue,
        cast(coalesce(history.mean_days_late_12m, 0) as double) as mean_days_late_12m,
        cast(coalesce(contacts.complaints_12m, 0) as integer) as complaints_12m,
        cast(coalesce(contacts.compliments_12m, 0) as integer) as compliments_12m,
        cast(coalesce(contacts.cancellation_requests_12m, 0) as integer) as cancellation_requests_12m,
        cast(coalesce(contacts.has_unresolved_complaint, 0) = 1 as boolean) as has_unresolved_complaint,
        cast(coalesce(contacts.complaint_resolved_6m, 0) = 1 as boolean) as complaint_resolved_6m,
        cast(surveys.mean_csat_score as double) as mean_csat_score,
        cast(coalesce(agents.termination_date <= in_force.feature_date, false) as boolean)
            as is_orphan
    from in_force
    left join {{ ref('dim_customer') }} as customers
        on
        in_force.customer_key = customers.customer_key
        and {{ valid_on('customers', 'in_force.feature_date') }}
    left join {{ ref('dim_agent') }} as agents on in_force.agent_key = agents.agent_key
    left join payment_history as history
        on
        in_force.policy_key = history.policy_key
        and in_force.feature_date = history.feature_date
    left join contacts
        on
        in_force.customer_key = contacts.customer_key
        and in_force.feature_date = contacts.feature_date
    left join surveys
        on
        in_force.customer_key = surveys.customer_key
        and in_force.feature_date = surveys.feature_date
)

select * from final
