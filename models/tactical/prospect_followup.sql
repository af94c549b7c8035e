-- The paper's worked query: everyone who asked about a kind of insurance in the last three
-- months, was sent the policy information, and has not bought it. One row per customer and
-- product type asked about, with the best contact route from the customer 360. An application
-- for that kind of insurance since the enquiry is acting on it: while it is in underwriting or
-- accepted and awaiting issue the customer is left alone; declined or postponed, they stay on
-- the list with an action of their own (explain the decision), never a quote.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

interactions as (
    select interactions.*
    from {{ ref('fct_interactions') }} as interactions
    cross join as_of
    where
        interactions.product_type is not null
        and interactions.interaction_date <= as_of.as_of_date
        and interactions.interaction_date
        > {{ dbt.dateadd('month', -var('prospect_window_months'), 'as_of.as_of_date') }}
),

enquiries as (
    select
        customer_key,
        product_type,
        min(interaction_date) as first_enquiry_date,
        max(interaction_date) as last_enquiry_date
    from interactions
    where interaction_type in ('inquiry', 'information_request')
    group by customer_key, product_type
),

information_sent as (
    select
        enquiries.customer_key,
        enquiries.product_type,
        min(interactions.interaction_date) as information_sent_date
    from enquiries
    inner join interactions
        on
        enquiries.customer_key = interactions.customer_key
        and enquiries.product_type = interactions.product_type
        and interactions.interaction_type = 'information_sent'
        and enquiries.first_enquiry_date <= interactions.interaction_date
    group by enquiries.customer_key, enquiries.product_type
),

-- a policy of the kind asked about, issued since the enquiry, means they bought
bought as (
    select distinct
        enquiries.customer_key,
        enquiries.product_type
    from enquiries
    inner join {{ ref('dim_policy') }} as policies
        on
        enquiries.customer_key = policies.customer_key
        and enquiries.product_type = policies.product_type
        and enquiries.first_enquiry_date <= policies.issue_date
),

-- the latest application for the kind asked about since the enquiry, and how it stands
applied as (
    select
        enquiries.customer_key,
        enquiries.product_type,
        max(applications.application_date) as application_date,
        max_by(applications.underwriting_decision, applications.application_date) as decision,
        max_by(applications.decision_date, applications.application_date) as decision_date
    from enquiries
    inner join {{ ref('fct_applications') }} as applications
        on enquiries.customer_key = applications.customer_key
        and enquiries.first_enquiry_date <= applications.application_date
    inner join {{ ref('dim_product') }} as products
        on applications.product_key = products.product_key
        and enquiries.product_type = products.product_type
    cross join as_of
    where applications.application_date <= as_of.as_of_date
    group by enquiries.customer_key, enquiries.product_type
),

listed as (
    select
        enquiries.*,
        case when applied.decision in ('declined', 'postponed') then applied.decision end
            as application_outcome,
        applied.application_date,
        applied.decision_date,
        information_sent.information_sent_date,
        customers.lifecycle_stage,
        customers.value_decile,
        customers.preferred_channel,
        customers.servicing_agent_id,
        customers.servicing_agent_name,
        customers.servicing_branch,
        customers.is_orphaned,
        customers.work_queue,
        customers.servicing_agent_id is not null as had_agent,
        channels.channel_name as preferred_channel_name,
        product_types.product_type_name,
        as_of.as_of_date
    from enquiries
    cross join as_of
    inner join information_sent
        on enquiries.customer_key = information_sent.customer_key
        and enquiries.product_type = information_sent.product_type
    left join bought
        on enquiries.customer_key = bought.customer_key
        and enquiries.product_type = bought.product_type
    left join applied
        on enquiries.customer_key = applied.customer_key
        and enquiries.product_type = applied.product_type
    left join {{ ref('customer_360') }} as customers on enquiries.customer_key = customers.customer_key
    left join {{ ref('dim_channel') }} as channels on customers.preferred_channel = channels.channel_code
    left join {{ ref('product_types') }} as product_types on enquiries.product_type = product_types.product_type
    where
        bought.customer_key is null
        -- in underwriting, or accepted and awaiting issue: they are acting on it
        and (applied.customer_key is null or applied.decision in ('declined', 'postponed'))
),

phrased as (
    select
        *,
        case
            when application_outcome is not null
                then
                    'explain ' || {{ by_channel('preferred_channel', 'preferred_channel_name') }}
                    || ' why the application of ' || cast(application_date as {{ dbt.type_string() }})
                    || ' for ' || {{ insurance_kind('product_type_name') }} || ' was ' || application_outcome
                    || case application_outcome
                        when 'declined' then ', and what cover they can still apply for'
                        else ', and agree when to apply again'
                    end
            else
                'follow up ' || {{ by_channel('preferred_channel', 'preferred_channel_name') }}
                || ' the enquiry of ' || cast(last_enquiry_date as {{ dbt.type_string() }})
                || ' about ' || {{ insurance_kind('product_type_name') }} || ', and offer a quote'
        end as action_phrase
    from listed
),

final as (
    select
        cast(
            row_number() over (order by last_enquiry_date desc, customer_key asc, product_type asc) as integer
        ) as list_rank,
        cast(as_of_date as date) as as_of_date,
        cast(customer_key as {{ dbt.type_string() }}) as customer_key,
        cast(product_type as {{ dbt.type_string() }}) as product_type,
        cast(first_enquiry_date as date) as first_enquiry_date,
        cast(last_enquiry_date as date) as last_enquiry_date,
        cast(information_sent_date as date) as information_sent_date,
        cast(lifecycle_stage as {{ dbt.type_string() }}) as lifecycle_stage,
        cast(value_decile as integer) as value_decile,
        cast(servicing_agent_id as {{ dbt.type_string() }}) as servicing_agent_id,
        cast(servicing_agent_name as {{ dbt.type_string() }}) as servicing_agent_name,
        cast(coalesce(servicing_branch, 'unassigned') as {{ dbt.type_string() }}) as servicing_branch,
        cast(coalesce(is_orphaned, true) as boolean) as is_orphaned,
        cast(coalesce(work_queue, {{ reassignment_queue() }}) as {{ dbt.type_string() }}) as work_queue,
        cast(coalesce(preferred_channel, 'direct_mail') as {{ dbt.type_string() }}) as preferred_channel,
        cast(
            'Asked about ' || {{ insurance_kind('product_type_name') }} || ' on '
            || cast(last_enquiry_date as {{ dbt.type_string() }})
            || '; information sent on ' || cast(information_sent_date as {{ dbt.type_string() }})
            || case
                when application_outcome is not null
                    then
                        '; applied on ' || cast(application_date as {{ dbt.type_string() }})
                        || ', ' || application_outcome || ' on '
                        || cast(decision_date as {{ dbt.type_string() }})
                else '; not bought'
            end
            || {{ orphan_reason('coalesce(is_orphaned, true)', 'had_agent') }} || '.'
            as {{ dbt.type_string() }}
        ) as reason,
        cast(application_outcome as {{ dbt.type_string() }}) as application_outcome,
        cast(
            {{ action_sentence('action_phrase', 'coalesce(is_orphaned, true)', 'had_agent') }}
            as {{ dbt.type_string() }}
        ) as recommended_action,
        cast({{ is_control_group('prospect_followup', 'customer_key', 'as_of_date') }} as boolean)
            as is_control_group
    from phrased
)

select * from final
