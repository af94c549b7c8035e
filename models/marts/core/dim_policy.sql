with policies as (
    select * from {{ ref('stg_insurer__policies') }}
),

products as (
    select * from {{ ref('stg_insurer__products') }}
),

channels as (
    select * from {{ ref('channels') }}
),

payment_methods as (
    select * from {{ ref('payment_methods') }}
),

premium_modes as (
    select * from {{ ref('premium_modes') }}
),

customers as (
    select
        customer_key,
        customer_id
    from {{ ref('stg_insurer__customers') }}
),

dim_products as (
    select
        product_key,
        product_code
    from {{ ref('dim_product') }}
),

dim_channels as (
    select
        channel_key,
        channel_code
    from {{ ref('dim_channel') }}
),

agents as (
    select
        agent_key,
        agent_id
    from {{ ref('dim_agent') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

events as (
    select * from {{ ref('stg_insurer__policy_events') }}
),

-- A policy's status on the as-of date is its latest status-changing event by then.
status_events as (
    select
        events.policy_number,
        events.event_type,
        events.event_date,
        row_number() over (
            partition by events.policy_number
            order by events.event_date desc, case when events.event_type = 'issued' then 0 else 1 end desc
        ) as recency_rank
    from events
    cross join as_of
    where
        events.event_date <= as_of.as_of_date
        and events.event_type in (
            'issued', 'lapsed', 'reinstated', 'surrendered', 'matured', 'death_claim',
            'free_look_cancellation'
        )
),

-- A policy made paid-up keeps its (reduced) cover in force but pays no more premium: it is no
-- premium in force, and it cannot lapse for non-payment.
paid_up as (
    select
        events.policy_number,
        min(events.event_date) as paid_up_date
    from events
    cross join as_of
    where events.event_type = 'paid_up' and events.event_date <= as_of.as_of_date
    group by events.policy_number
),

statuses as (
    select
        policy_number,
        case when event_type in ('issued', 'reinstated') then 'in_force' else event_type end
            as policy_status,
        case when event_type not in ('issued', 'reinstated') then event_date end as termination_date
    from status_events
    where recency_rank = 1
),

joined as (
    select
        policies.*,
        products.product_name,
        products.product_type,
        channels.channel_name,
        payment_methods.payment_method_name,
        premium_modes.installments_per_year,
        customers.customer_key,
        insureds.customer_key as insured_customer_key,
        agents.agent_key,
        dim_products.product_key,
        dim_channels.channel_key,
        as_of.as_of_date,
        coalesce(statuses.policy_status, 'in_force') as policy_status,
        statuses.termination_date,
        paid_up.paid_up_date
    from policies
    cross join as_of
    left join statuses on policies.policy_number = statuses.policy_number
    left join paid_up on policies.policy_number = paid_up.policy_number
    left join products on policies.product_code = products.product_code
    left join channels on policies.channel_code = channels.channel_code
    left join payment_methods on policies.payment_method = payment_methods.payment_method
    left join premium_modes on policies.premium_mode = premium_modes.premium_mode
    left join customers on policies.owner_customer_id = customers.customer_id
    left join customers as insureds on policies.insured_customer_id = insureds.customer_id
    left join dim_products on policies.product_code = dim_products.product_code
    left join dim_channels on policies.channel_code = dim_channels.channel_code
    left join agents on policies.agent_id = agents.agent_id
),

known as (
    select
        cast({{ surrogate_key(['policy_number']) }} as {{ dbt.type_string() }}) as policy_key,
        cast(policy_number as {{ dbt.type_string() }}) as policy_number,
        cast(coalesce(customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as customer_key,
        cast(coalesce(insured_customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as insured_customer_key,
        cast(coalesce(agent_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as agent_key,
        cast(coalesce(product_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as product_key,
        cast(coalesce(channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(coalesce(channel_name, 'unknown') as {{ dbt.type_string() }}) as channel_name,
        cast(product_code as {{ dbt.type_string() }}) as product_code,
        cast(coalesce(product_name, 'unknown') as {{ dbt.type_string() }}) as product_name,
        cast(coalesce(product_type, 'unknown') as {{ dbt.type_string() }}) as product_type,
        cast(issue_date as date) as issue_date,
        cast({{ dbt.date_trunc('year', 'issue_date') }} as date) as issue_year_start_date,
        cast(sum_assured_twd as decimal(18, 2)) as sum_assured_twd,
        cast(annualised_premium_twd as decimal(18, 2)) as annualised_premium_twd,
        cast(premium_mode as {{ dbt.type_string() }}) as premium_mode,
        cast(installments_per_year as integer) as installments_per_year,
        cast(payment_method as {{ dbt.type_string() }}) as payment_method,
        cast(coalesce(payment_method_name, 'unknown') as {{ dbt.type_string() }}) as payment_method_name,
        cast(policy_status as {{ dbt.type_string() }}) as policy_status,
        cast(termination_date as date) as termination_date,
        cast(case when policy_status = 'lapsed' then termination_date end as date) as lapse_date,
        cast(policy_status = 'in_force' as boolean) as is_in_force,
        cast(paid_up_date as date) as paid_up_date,
        cast(policy_status = 'in_force' and paid_up_date is not null as boolean) as is_paid_up,
        -- the one definition of premium in force: in force and still paying
        cast(
            case
                when policy_status = 'in_force' and paid_up_date is null then annualised_premium_twd
                else 0
            end as decimal(18, 2)
        ) as annualised_premium_in_force_twd,
        -- a free-look cancellation refunds every premium paid: none of it is premium earned
        cast(policy_status = 'free_look_cancellation' as boolean) as is_premium_refunded,
        cast(
            {{ dbt.datediff('issue_date', 'coalesce(termination_date, as_of_date)', 'month') }}
            as integer
        ) as months_in_force,
        cast(as_of_date as date) as status_as_of_date
    from joined
),

unknown as (
    select
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as policy_key,
        cast('unknown' as {{ dbt.type_string() }}) as policy_number,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as customer_key,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as insured_customer_key,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as agent_key,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as product_key,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as channel_key,
        cast(null as {{ dbt.type_string() }}) as channel_code,
        cast('unknown' as {{ dbt.type_string() }}) as channel_name,
        cast(null as {{ dbt.type_string() }}) as product_code,
        cast('unknown' as {{ dbt.type_string() }}) as product_name,
        cast('unknown' as {{ dbt.type_string() }}) as product_type,
        cast(null as date) as issue_date,
        cast(null as date) as issue_year_start_date,
        cast(null as decimal(18, 2)) as sum_assured_twd,
        cast(null as decimal(18, 2)) as annualised_premium_twd,
        cast(null as {{ dbt.type_string() }}) as premium_mode,
        cast(null as integer) as installments_per_year,
        cast(null as {{ dbt.type_string() }}) as payment_method,
        cast('unknown' as {{ dbt.type_string() }}) as payment_method_name,
        cast(null as {{ dbt.type_string() }}) as policy_status,
        cast(null as date) as termination_date,
        cast(null as date) as lapse_date,
        cast(false as boolean) as is_in_force,
        cast(null as date) as paid_up_date,
        cast(false as boolean) as is_paid_up,
        cast(0 as decimal(18, 2)) as annualised_premium_in_force_twd,
        cast(false as boolean) as is_premium_refunded,
        cast(null as integer) as months_in_force,
        cast(null as date) as status_as_of_date
),

final as (
    select * from known
    union all
    select * from unknown
)

select * from final
