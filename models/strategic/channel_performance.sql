-- How each sales channel performs, across the paper's chain: the business it brings (new
-- policies, premium and sum assured in the last twelve months, the book in force), how long
-- that business stays (13- and 25-month persistency, expected lapses), and the value of the
-- customers whose relationship began in it.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

channels as (
    select * from {{ ref('dim_channel') }}
    where is_sales_channel
),

policies as (
    select * from {{ ref('dim_policy') }}
    where policy_key <> {{ unknown_key() }} and issue_date is not null
),

book as (
    select
        policies.channel_code,
        sum(case when policies.is_in_force then 1 else 0 end) as policies_in_force,
        sum(policies.annualised_premium_in_force_twd) as annualised_premium_in_force_twd,
        sum(case when policies.issue_date > {{ dbt.dateadd('month', -12, 'as_of.as_of_date') }} then 1 else 0 end)
            as new_policies_12m,
        sum(
            case
                when policies.issue_date > {{ dbt.dateadd('month', -12, 'as_of.as_of_date') }}
                    then policies.annualised_premium_twd
                else 0
            end
        ) as new_annualised_premium_12m_twd,
        avg(
            case
                when policies.issue_date > {{ dbt.dateadd('month', -12, 'as_of.as_of_date') }}
                    then policies.sum_assured_twd
            end
        ) as new_business_mean_sum_assured_twd
    from policies
    cross join as_of
    group by policies.channel_code
),

persistency as (
    select
        channels.channel_code,
        avg(
            case
                when
                    milestones.milestone_months = 13
                    then case when milestones.is_in_force_at_milestone then cast(1 as double) else 0 end
            end
        )
            as persistency_13m,
        avg(
            case
                when
                    milestones.milestone_months = 25
                    then case when milestones.is_in_force_at_milestone then cast(1 as double) else 0 end
            end
        )
            as persistency_25m
    from {{ ref('fct_policy_persistency') }} as milestones
    inner join {{ ref('dim_channel') }} as channels on milestones.channel_key = channels.channel_key
    where milestones.is_milestone_reached
    group by channels.channel_code
),

risk as (
    select
        policies.channel_code,
        sum(scores.lapse_probability_12m) as expected_lapses_12m,
        sum(scores.lapse_probability_12m * policies.annualised_premium_twd) as premium_at_risk_12m_twd
    from {{ ref('stg_ml__policy_lapse_scores') }} as scores
    inner join policies on scores.policy_key = policies.policy_key
    group by policies.channel_code
),

acquired as (
    select
        relationships.first_channel_code as channel_code,
        count(*) as customers_acquired,
        sum(customer_value.value_score_twd) as value_score_twd
    from {{ ref('int_customers__relationships') }} as relationships
    left join {{ ref('stg_ml__customer_value') }} as customer_value
        on relationships.customer_key = customer_value.customer_key
    where relationships.first_channel_code is not null
    group by relationships.first_channel_code
),

final as (
    select
        cast(channels.channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(channels.channel_name as {{ dbt.type_string() }}) as channel_name,
        cast(coalesce(book.policies_in_force, 0) as bigint) as policies_in_force,
        cast(coalesce(book.annualised_premium_in_force_twd, 0) as double) as annualised_premium_in_force_twd,
        cast(coalesce(book.new_policies_12m, 0) as bigint) as new_policies_12m,
        cast(coalesce(book.new_annualised_premium_12m_twd, 0) as double) as new_annualised_premium_12m_twd,
        cast(book.new_business_mean_sum_assured_twd as double) as new_business_mean_sum_assured_twd,
        cast(persistency.persistency_13m as double) as persistency_13m,
        cast(persistency.persistency_25m as double) as persistency_25m,
        cast(coalesce(risk.expected_lapses_12m, 0) as double) as expected_lapses_12m,
        cast(coalesce(risk.premium_at_risk_12m_twd, 0) as double) as premium_at_risk_12m_twd,
        cast(coalesce(acquired.customers_acquired, 0) as bigint) as customers_acquired,
        cast(acquired.value_score_twd as double) as acquired_customers_value_score_twd,
        cast(acquired.value_score_twd / nullif(acquired.customers_acquired, 0) as double)
            as value_score_per_acquired_customer_twd
    from channels
    left join book on channels.channel_code = book.channel_code
    left join persistency on channels.channel_code = persistency.channel_code
    left join risk on channels.channel_code = risk.channel_code
    left join acquired on channels.channel_code = acquired.channel_code
)

select * from final
