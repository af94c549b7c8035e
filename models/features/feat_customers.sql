-- One row per customer holding a policy on each feature date (the as-of date and one and two
-- years before it), with behavioural, value and demographic features known on that date
-- (nothing dated after it is read): the input of the segmentation (which reads the as-of date)
-- and the cross-sell model (which fits and evaluates on the earlier dates). Rebuild with
-- `--vars 'as_of_date: YYYY-MM-DD'` for other dates.
with feature_dates as (
    {{ feature_dates() }}
),

customers as (
    select
        feature_dates.feature_date,
        customers.*
    from {{ ref('dim_customer') }} as customers
    inner join feature_dates on {{ valid_on('customers', 'feature_dates.feature_date') }}
    where customers.customer_key <> {{ unknown_key() }}
),

-- each policy's status on each feature date, from its status periods
policy_status as (
    select
        feature_dates.feature_date,
        policies.policy_key,
        policies.customer_key,
        policies.product_type,
        policies.channel_code,
        -- premium in force as dim_policy defines it, on the feature date: not yet paid-up
        case
            when policies.paid_up_date <= feature_dates.feature_date then 0
            else policies.annualised_premium_twd
        end as annualised_premium_twd,
        coalesce(periods.policy_status, 'in_force') as status
    from {{ ref('dim_policy') }} as policies
    inner join feature_dates on policies.issue_date <= feature_dates.feature_date
    left join {{ ref('int_policies__status_periods') }} as periods
        on
        policies.policy_number = periods.policy_number
        and {{ valid_on('periods', 'feature_dates.feature_date') }}
),

holdings as (
    select
        feature_date,
        customer_key,
        count(*) as policies_ever,
        sum(case when status = 'in_force' then 1 else 0 end) as policies_in_force,
        sum(case when status = 'in_force' then annualised_premium_twd else 0 end)
            as annualised_premium_in_force_twd,
        count(distinct case when status = 'in_force' then product_type end) as product_types_held,
        sum(case when status = 'lapsed' then 1 else 0 end) as policies_lapsed,
        sum(
            case
                when
                    status = 'in_force'
                    and product_type in ('whole_life', 'endowment', 'annuity', 'investment_linked')
                    then 1
                else 0
            end
        ) as savings_policies_in_force,
        sum(case when status = 'in_force' and channel_code = 'bancassurance' then 1 else 0 end)
            as bancassurance_policies_in_force,
        -- which product types (the seed's) the customer holds in force: the next best product
        -- names one they do not hold, unless a model knows better
        max(case when status = 'in_force' and product_type = 'term' then 1 else 0 end)
            as holds_term,
        max(case when status = 'in_force' and product_type = 'whole_life' then 1 else 0 end)
            as holds_whole_life,
        max(case when status = 'in_force' and product_type = 'endowment' then 1 else 0 end)
            as holds_endowment,
        max(case when status = 'in_force' and product_type = 'critical_illness' then 1 else 0 end)
            as holds_critical_illness,
        max(case when status = 'in_force' and product_type = 'annuity' then 1 else 0 end)
            as holds_annuity,
        max(case when status = 'in_force' and product_type = 'investment_linked' then 1 else 0 end)
            as holds_investment_linked
    from policy_status
    group by feature_date, customer_key
),

payments as (
    select
        feature_dates.feature_date,
        payments.customer_key,
        sum(
            case
                when payments.paid_date <= feature_dates.feature_date then payments.amount_paid_twd else 0
            end
        ) as premiums_paid_twd,
        sum(
            case
                when
                    payments.due_date > {{ dbt.dateadd('month', -12, 'feature_dates.feature_date') }}
                    and (payments.paid_date is null or payments.paid_date > feature_dates.feature_date)
                    then 1
                else 0
            end
        ) as unpaid_installments_12m
    from {{ ref('fct_premium_payments') }} as payments
    inner join feature_dates on payments.due_date <= feature_dates.feature_date
    group by feature_dates.feature_date, payments.customer_key
),

claims as (
    select
        feature_dates.feature_date,
        claims.customer_key,
        sum(
            case when claims.paid_date <= feature_dates.feature_date then claims.paid_amount_twd else 0 end
        ) as claims_paid_twd
    from {{ ref('fct_claims') }} as claims
    inner join feature_dates on claims.reported_date <= feature_dates.feature_date
    group by feature_dates.feature_date, claims.customer_key
),

contacts as (
    select
        feature_dates.feature_date,
        interactions.customer_key,
        count(*) as interactions_12m,
        sum(case when interactions.is_complaint then 1 else 0 end) as complaints_12m
    from {{ ref('fct_interactions') }} as interactions
    inner join feature_dates
        on
        interactions.interaction_date <= feature_dates.feature_date
        and interactions.interaction_date > {{ dbt.dateadd('month', -12, 'feature_dates.feature_date') }}
    group by feature_dates.feature_date, interactions.customer_key
),

surveys as (
    select
        feature_dates.feature_date,
        responses.customer_key,
        avg(responses.csat_score) as mean_csat
    from {{ ref('fct_survey_responses') }} as responses
    inner join feature_dates on responses.survey_date <= feature_dates.feature_date
    where responses.respondent_type = 'customer'
    group by feature_dates.feature_date, responses.customer_key
),

final as (
    select
        cast(customers.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(customers.feature_date as date) as feature_date,
        cast({{ age_in_years('customers.birth_date', 'customers.feature_date') }} as integer) as age_years,
        cast(customers.gender_code as {{ dbt.type_string() }}) as gender_code,
        cast(customers.marital_status as {{ dbt.type_string() }}) as marital_status,
        cast(customers.income_band as {{ dbt.type_string() }}) as income_band,
        cast(customers.acquisition_source as {{ dbt.type_string() }}) as acquisition_source,
        cast(customers.has_household_data as boolean) as has_household_data,
        cast(coalesce(customers.children_count, 0) as integer) as children_count,
        cast(
            {{ dbt.datediff('customers.first_contact_date', 'customers.feature_date', 'month') }}
            as integer
        ) as tenure_months,
        cast(holdings.policies_ever as integer) as policies_ever,
        cast(holdings.policies_in_force as integer) as policies_in_force,
        cast(holdings.annualised_premium_in_force_twd as decimal(18, 2)) as annualised_premium_in_force_twd,
        cast(holdings.product_types_held as integer) as product_types_held,
        cast(holdings.policies_lapsed as integer) as policies_lapsed,
        cast(holdings.savings_policies_in_force as integer) as savings_policies_in_force,
        cast(holdings.bancassurance_policies_in_force as integer) as bancassurance_policies_in_force,
        cast(holdings.holds_term as integer) as holds_term,
        cast(holdings.holds_whole_life as integer) as holds_whole_life,
        cast(holdings.holds_endowment as integer) as holds_endowment,
        cast(holdings.holds_critical_illness as integer) as holds_critical_illness,
        cast(holdings.holds_annuity as integer) as holds_annuity,
        cast(holdings.holds_investment_linked as integer) as holds_investment_linked,
        cast(coalesce(payments.premiums_paid_twd, 0) as decimal(18, 2)) as premiums_paid_twd,
        cast(coalesce(payments.unpaid_installments_12m, 0) as integer) as unpaid_installments_12m,
        cast(coalesce(claims.claims_paid_twd, 0) as decimal(18, 2)) as claims_paid_twd,
        cast(coalesce(contacts.interactions_12m, 0) as integer) as interactions_12m,
        cast(coalesce(contacts.complaints_12m, 0) as integer) as complaints_12m,
        cast(surveys.mean_csat as double) as mean_csat
    from customers
    inner join holdings
        on customers.customer_key = holdings.customer_key and customers.feature_date = holdings.feature_date
    left join payments
        on customers.customer_key = payments.customer_key and customers.feature_date = payments.feature_date
    left join claims
        on customers.customer_key = claims.customer_key and customers.feature_date = claims.feature_date
    left join contacts
        on customers.customer_key = contacts.customer_key and customers.feature_date = contacts.feature_date
    left join surveys
        on customers.customer_key = surveys.customer_key and customers.feature_date = surveys.feature_date
    where holdings.policies_in_force > 0
)

select * from final
