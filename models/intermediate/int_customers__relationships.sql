-- Each customer's relationship with the insurer as the policies tell it: when it began and in
-- which sales channel, what is in force now, the latest termination, whether a lapsed or
-- surrendered customer has come back, and who services them. Prospects (no policy) have a row
-- too, with nothing in force: the paper keeps them for cross-selling later.
with customers as (
    select * from {{ ref('dim_customer') }}
    where is_current and customer_key <> {{ unknown_key() }}
),

policies as (
    select * from {{ ref('dim_policy') }}
    where policy_key <> {{ unknown_key() }} and issue_date is not null
),

agents as (
    select * from {{ ref('dim_agent') }}
),

by_customer as (
    select
        customer_key,
        count(*) as policies_ever,
        sum(case when is_in_force then 1 else 0 end) as policies_in_force,
        sum(annualised_premium_in_force_twd) as annualised_premium_in_force_twd,
        min(issue_date) as first_issue_date,
        max(issue_date) as latest_issue_date,
        max(case when is_in_force then issue_date end) as latest_in_force_issue_date,
        max(case when policy_status in ('lapsed', 'surrendered') then termination_date end)
            as latest_lapse_or_surrender_date,
        max(termination_date) as latest_termination_date
    from policies
    group by customer_key
),

-- the channel of the customer's first policy: where the relationship began
first_policies as (
    select
        customer_key,
        channel_code,
        row_number() over (partition by customer_key order by issue_date, policy_number) as policy_order
    from policies
),

-- the servicing agent: the agent of the latest policy in force, else of the latest policy
servicing as (
    select
        customer_key,
        agent_key,
        row_number() over (
            partition by customer_key
            order by case when is_in_force then 0 else 1 end, issue_date desc, policy_number desc
        ) as agent_order
    from policies
),

final as (
    select
        customers.customer_key,
        customers.acquisition_source,
        coalesce(by_customer.policies_ever, 0) as policies_ever,
        coalesce(by_customer.policies_in_force, 0) as policies_in_force,
        coalesce(by_customer.annualised_premium_in_force_twd, 0) as annualised_premium_in_force_twd,
        by_customer.first_issue_date,
        by_customer.latest_issue_date,
        by_customer.latest_termination_date,
        first_policies.channel_code as first_channel_code,
        servicing.agent_key as servicing_agent_key,
        agents.agent_id as servicing_agent_id,
        agents.branch as servicing_branch,
        coalesce(agents.is_terminated, false) as is_orphaned,
        -- back in force after a policy of theirs lapsed or was surrendered
        coalesce(
            by_customer.latest_in_force_issue_date > by_customer.latest_lapse_or_surrender_date, false
        ) as is_won_back
    from customers
    left join by_customer on customers.customer_key = by_customer.customer_key
    left join first_policies
        on customers.customer_key = first_policies.customer_key and first_policies.policy_order = 1
    left join servicing
        on customers.customer_key = servicing.customer_key and servicing.agent_order = 1
    left join agents on servicing.agent_key = agents.agent_key
)

select * from final
