-- One row per survey answered: customers rate their satisfaction (CSAT 1-5) and their
-- likelihood to recommend (NPS 0-10); agents rate their own satisfaction (1-5).
with customer_surveys as (
    select * from {{ ref('stg_insurer__satisfaction_surveys') }}
),

agent_surveys as (
    select * from {{ ref('stg_insurer__agent_surveys') }}
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

channels as (
    select
        channel_key,
        channel_code
    from {{ ref('dim_channel') }}
),

from_customers as (
    select
        cast(
            {{ surrogate_key(["'customer'", 'customer_surveys.survey_id']) }} as {{ dbt.type_string() }}
        ) as survey_response_key,
        cast(customer_surveys.survey_id as {{ dbt.type_string() }}) as survey_id,
        cast('customer' as {{ dbt.type_string() }}) as respondent_type,
        cast(coalesce(customers.customer_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as customer_key,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as agent_key,
        cast(coalesce(channels.channel_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as channel_key,
        cast(customer_surveys.survey_date as date) as survey_date,
        cast(customer_surveys.csat_score as integer) as csat_score,
        cast(customer_surveys.nps_score as integer) as nps_score,
        cast(
            case
                when customer_surveys.nps_score >= 9 then 'promoter'
                when customer_surveys.nps_score >= 7 then 'passive'
                else 'detractor'
            end as {{ dbt.type_string() }}
        ) as nps_category,
        cast(null as integer) as agent_satisfaction_score,
        cast(null as boolean) as intends_to_stay
    from customer_surveys
    left join customers on customer_surveys.customer_id = customers.customer_id
    left join channels on customer_surveys.contact_channel_code = channels.channel_code
),

from_agents as (
    select
        cast(
            {{ surrogate_key(["'agent'", 'agent_surveys.survey_id']) }} as {{ dbt.type_string() }}
        ) as survey_response_key,
        cast(agent_surveys.survey_id as {{ dbt.type_string() }}) as survey_id,
        cast('agent' as {{ dbt.type_string() }}) as respondent_type,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as customer_key,
        cast(coalesce(agents.agent_key, {{ unknown_key() }}) as {{ dbt.type_string() }}) as agent_key,
        cast({{ unknown_key() }} as {{ dbt.type_string() }}) as channel_key,
        cast(agent_surveys.survey_date as date) as survey_date,
        cast(null as integer) as csat_score,
        cast(null as integer) as nps_score,
        cast(null as {{ dbt.type_string() }}) as nps_category,
        cast(agent_surveys.satisfaction_score as integer) as agent_satisfaction_score,
        cast(agent_surveys.intends_to_stay as boolean) as intends_to_stay
    from agent_surveys
    left join agents on agent_surveys.agent_id = agents.agent_id
),

final as (
    select * from from_customers
    union all
    select * from from_agents
)

select * from final
