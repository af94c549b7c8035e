-- Accumulating snapshot: one row per application, filled in as it is decided and issued.
with applications as (
    select * from {{ ref('stg_insurer__applications') }}
),

customers as (
    select
        customer_id,
        customer_key
    from {{ ref('stg_insurer__customers') }}
),

agents as (
    select
        agent_key,
        agent_id
    from {{ ref('dim_agent') }}
),

products as (
    select
        product_key,
        product_code
    from {{ ref('dim_product') }}
),

channels as (
    select
        channel_key,
        channel_code
    from {{ ref('dim_channel') }}
),

policies as (
    select
        policy_key,
        policy_number,
        issue_date
    from {{ ref('dim_policy') }}
),

final as (
    select
        cast({{ surrogate_key(['applications.application_id']) }} as {{ dbt.type_string() }}) as application_key,
        cast(applications.application_id as {{ dbt.type_string() }}) as application_id,
        cast(coalesce(customers.customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as customer_key,
        cast(coalesce(agents.agent_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as agent_key,
        cast(coalesce(products.product_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as product_key,
        cast(coalesce(channels.channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(coalesce(policies.policy_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as policy_key,
        cast(applications.application_date as date) as application_date,
        cast(applications.decision_date as date) as decision_date,
        cast(policies.issue_date as date) as issue_date,
        cast(applications.underwriting_decision as {{ dbt.type_string() }}) as underwriting_decision,
        cast(applications.decision_date is not null as boolean) as is_decided,
        cast(applications.underwriting_decision in ('standard', 'rated') as boolean) as is_accepted,
        cast(policies.policy_key is not null as boolean) as is_issued,
        cast(applications.proposed_sum_assured_twd as decimal(18, 2)) as proposed_sum_assured_twd,
        cast(
            {{ dbt.datediff('applications.application_date', 'applications.decision_date', 'day') }}
            as integer
        ) as days_to_decision,
        cast(
            {{ dbt.datediff('applications.application_date', 'policies.issue_date', 'day') }}
            as integer
        ) as days_to_issue
    from applications
    left join customers on applications.customer_id = customers.customer_id
    left join agents on applications.agent_id = agents.agent_id
    left join products on applications.product_code = products.product_code
    left join channels on applications.channel_code = channels.channel_code
    left join policies on applications.policy_number = policies.policy_number
)

select * from final
