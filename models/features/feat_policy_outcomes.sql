-- What became of each row of feat_policies in the twelve months after its feature date: the
-- labels the lapse model learns from and is judged on, kept apart from the features because
-- they read what happened after the date. `is_observed` is false while the window is still open.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

policies as (
    select * from {{ ref('feat_policies') }}
),

lapses as (
    select
        policies.policy_key,
        policies.feature_date,
        count(*) as lapses_in_window
    from policies
    inner join {{ ref('fct_policy_events') }} as events
        on
        policies.policy_key = events.policy_key
        and policies.feature_date < events.event_date
        and events.event_date <= {{ dbt.dateadd('month', 12, 'policies.feature_date') }}
    where events.event_type = 'lapsed'
    group by policies.policy_key, policies.feature_date
),

final as (
    select
        cast(policies.policy_key as {{ dbt.type_string() }}) as policy_key,
        cast(policies.feature_date as date) as feature_date,
        cast(coalesce(lapses.lapses_in_window, 0) > 0 as boolean) as lapsed_within_12m,
        cast(
            {{ dbt.dateadd('month', 12, 'policies.feature_date') }} <= as_of.as_of_date
            as boolean
        ) as is_observed
    from policies
    cross join as_of
    left join lapses
        on
        policies.policy_key = lapses.policy_key
        and policies.feature_date = lapses.feature_date
)

select * from final
