-- Each policy's status over time: one row per status-changing event, valid from its date until
-- the next one. `in_force` holds from issue and from a reinstatement; the other status events
-- (lapse, surrender, maturity, death, free-look cancellation) end cover.
with events as (
    select * from {{ ref('stg_insurer__policy_events') }}
),

event_types as (
    select * from {{ ref('policy_event_types') }}
),

status_events as (
    select
        events.policy_number,
        events.event_type,
        events.event_date,
        -- on one day, issue comes first and an ending event last
        case when events.event_type = 'issued' then 0 when event_types.ends_cover then 2 else 1 end
            as same_day_order
    from events
    inner join event_types on events.event_type = event_types.event_type
    where event_types.is_status_change
),

final as (
    select
        policy_number,
        event_type,
        case when event_type in ('issued', 'reinstated') then 'in_force' else event_type end
            as policy_status,
        event_date as valid_from,
        lead(event_date) over (
            partition by policy_number order by event_date, same_day_order
        ) as valid_to,
        row_number() over (
            partition by policy_number order by event_date, same_day_order
        ) as status_sequence
    from status_events
)

select * from final
