-- One row per customer holding a policy on the as-of date, with behavioural, value and
-- demographic features known on that date (nothing dated after it is read), for the
-- segmentation and value models. Rebuild with `--vars 'as_of_date: YYYY-MM-DD'` for another date.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

customers as (
    select customers.*
    from {{ ref('dim_customer') }} as customers
    cross join as_of
    where
        customers.customer_key <> {{ unknown_key() }}
        and {{ valid_on('customers', 'as_of.as_of_date') }}
),

-- each policy's status on the as-of date, from its status periods
policy_status as (
    select
        policies.policy_key,
        policies.customer_key,
        policies.product_type,
        policies.channel_code,
        policies.annualised_premium_twd,
        coalesce(periods.policy_status, 'in_force') as status_on_as_of
    from {{ ref('dim_policy') }} as policies
    cross join as_of
    left join {{ ref('int_policies__status_periods') }} as periods
        on
        policies.policy_number = periods.policy_number
        and {{ valid_on('periods', 'as_of.as_of_date') }}
    where policies.issue_date <= as_of.as_of_date
),

holdings as (
    select
        customer_key,
        count(*) as policies_ever,
        sum(case when status_on_as_of = 'in_force' then 1 else 0 end) as policies_in_force,
        sum(case when status_on_as_of = 'in_force' then annualised_premium_twd else 0 end)
            as annualised_premium_in_force_twd,
        count(distinct case when status_on_as_of = 'in_force' then product_type end) as product_types_held,
        sum(case when status_on_as_of = 'lapsed' then 1 else 0 end) as policies_lapsed,
        sum(
            case
                when
                    status_on_as_of = 'in_force'
                    and product_type in ('whole_life', 'endowment', 'annuity', 'investment_linked')
                    then 1
                else 0
            end
        ) as savings_policies_in_force,
        sum(case when status_on_as_of = 'in_force' and channel_code = 'bancassurance' then 1 else 0 end)
            as bancassurance_policies_in_force
    from policy_status
    group by customer_key
),

payments as (
    select
        payments.customer_key,
        sum(case when payments.paid_date <= as_of.as_of_date then payments.amount_paid_twd else 0 end)
            as premiums_paid_twd,
        sum(
            case
                when
                    payments.due_date > {{ dbt.dateadd('month', -12, 'as_of.as_of_date') }}
                    and (payments.paid_date is null or payments.paid_date > as_of.as_of_date)
                    then 1
                else 0
            end
        ) as unpaid_installments_12m
    from {{ ref('fct_premium_payments') }} as payments
    cross join as_of
    where payments.due_date <= as_of.as_of_date
    group by payments.customer_key
),

claims as (
    select
        claims.customer_key,
        sum(case when claims.paid_date <= as_of.as_of_date then claims.paid_amount_twd else 0 end)
            as claims_paid_twd
    from {{ ref('fct_claims') }} as claims
    cross join as_of
    where claims.reported_date <= as_of.as_of_date
    group by claims.customer_key
),

contacts as (
    select
        interactions.customer_key,
        count(*) as interactions_12m,
        sum(case when interactions.is_complaint then 1 else 0 end) as complaints_12m
    from {{ ref('fct_interactions') }} as interactions
    cross join as_of
    where
        interactions.interaction_date <= as_of.as_of_date
        and interactions.interaction_date > {{ dbt.dateadd('month', -12, 'as_of.as_of_date') }}
    group by interactions.customer_key
),

surveys as (
    select
        responses.customer_key,
        avg(responses.csat_score) as mean_csat
    from {{ ref('fct_survey_responses') }} as responses
    cross join as_of
    where responses.respondent_type = 'customer' and responses.survey_date <= as_of.as_of_date
    group by responses.customer_key
),

final as (
    select
        cast(customers.customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(as_of.as_of_date as date) as as_of_date,
        cast({{ age_in_years('customers.birth_date', 'as_of.as_of_date') }} as integer) as age_years,
        cast(customers.gender_code as {{ dbt.type_string() }}) as gender_code,
        cast(customers.marital_status as {{ dbt.type_string() }}) as marital_status,
        cast(customers.income_band as {{ dbt.type_string() }}) as income_band,
        cast(customers.acquisition_source as {{ dbt.type_string() }}) as acquisition_source,
        cast(customers.has_household_data as boolean) as has_household_data,
        cast(coalesce(customers.children_count, 0) as integer) as children_count,
        cast(
            {{ dbt.datediff('customers.first_contact_date', 'as_of.as_of_date', 'month') }}
            as integer
        ) as tenure_months,
        cast(holdings.policies_ever as integer) as policies_ever,
        cast(holdings.policies_in_force as integer) as policies_in_force,
        cast(holdings.annualised_premium_in_force_twd as decimal(18, 2)) as annualised_premium_in_force_twd,
        cast(holdings.product_types_held as integer) as product_types_held,
        cast(holdings.policies_lapsed as integer) as policies_lapsed,
        cast(holdings.savings_policies_in_force as integer) as savings_policies_in_force,
        cast(holdings.bancassurance_policies_in_force as integer) as bancassurance_policies_in_force,
        cast(coalesce(payments.premiums_paid_twd, 0) as decimal(18, 2)) as premiums_paid_twd,
        cast(coalesce(payments.unpaid_installments_12m, 0) as integer) as unpaid_installments_12m,
        cast(coalesce(claims.claims_paid_twd, 0) as decimal(18, 2)) as claims_paid_twd,
        cast(coalesce(contacts.interactions_12m, 0) as integer) as interactions_12m,
        cast(coalesce(contacts.complaints_12m, 0) as integer) as complaints_12m,
        cast(surveys.mean_csat as double) as mean_csat
    from customers
    cross join as_of
    inner join holdings on customers.customer_key = holdings.customer_key
    left join payments on customers.customer_key = payments.customer_key
    left join claims on customers.customer_key = claims.customer_key
    left join contacts on customers.customer_key = contacts.customer_key
    left join surveys on customers.customer_key = surveys.customer_key
    where holdings.policies_in_force > 0
)

select * from final
