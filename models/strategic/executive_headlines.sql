-- The executive report's headline figures: one row per KPI, its value over the headline period
-- and over the period before, and the change. The headline period is the last twelve complete
-- calendar months up to the as-of date (as of 2025-12-31: January to December 2025; as of
-- 2026-01-03 the same, January not being complete); the previous period is the twelve months
-- before it. Each figure is read from the strategic table that computes it and only re-weighted
-- over the period's months (the scorecard's monthly ratios times their denominators), except
-- the lapse rate, which no strategic table holds: it is the semantic layer's `lapse_rate`
-- (lapses per in-force policy-month) over the period, times twelve. Value concentration is the
-- value model's, scored on the as-of date only: it has no previous figure.
{# The period a day falls in: the headline period, the one before, or neither (null). #}
{% set period_of -%}
    case
        when @ between bounds.current_start_date and bounds.current_end_date then 'current'
        when @ between bounds.previous_start_date and bounds.previous_end_date then 'previous'
    end
{%- endset %}
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

period_end as (
    select
        as_of_date,
        cast({{ dbt.date_trunc('month', dbt.dateadd('day', 1, 'as_of_date')) }} as date) as current_end_exclusive
    from as_of
),

bounds as (
    select
        as_of_date,
        cast({{ dbt.dateadd('month', -12, 'current_end_exclusive') }} as date) as current_start_date,
        cast({{ dbt.dateadd('day', -1, 'current_end_exclusive') }} as date) as current_end_date,
        cast({{ dbt.dateadd('month', -24, 'current_end_exclusive') }} as date) as previous_start_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', -12, 'current_end_exclusive')) }} as date
        ) as previous_end_date
    from period_end
),

scorecard as (
    select * from {{ ref('crm_scorecard') }}
    where segment_name = 'all' and channel_code = 'all'
),

value_concentration as (
    select * from {{ ref('value_concentration') }}
),

campaigns as (
    select * from {{ ref('campaign_effectiveness') }}
),

lapse_events as (
    select * from {{ ref('fct_policy_events') }}
    where event_type = 'lapsed'
),

policy_months as (
    select * from {{ ref('fct_policy_months') }}
    where is_in_force
),

-- the KPIs, in the order the report shows them; is_higher_better says which way is good news
{%- set kpis = [
    ('value_top_decile_share', 'Share of margin held by the most valuable tenth of current customers',
        'share', true, 'customers', 'strategic.value_concentration'),
    ('value_bottom_decile_share', 'Share of margin held by the least valuable tenth of current customers',
        'share', true, 'customers', 'strategic.value_concentration'),
    ('persistency_13m', '13-month persistency', 'share', true, 'policies', 'strategic.crm_scorecard'),
    ('persistency_25m', '25-month persistency', 'share', true, 'policies', 'strategic.crm_scorecard'),
    ('nps', 'Net promoter score', 'points', true, 'survey responses', 'strategic.crm_scorecard'),
    ('csat', 'Customer satisfaction (CSAT, 1 to 5)', 'score', true, 'survey responses',
        'strategic.crm_scorecard'),
    ('lapse_rate', 'Annual lapse rate', 'share', false, 'policies in force',
        'marts.fct_policy_events, marts.fct_policy_months'),
    ('campaign_return_on_cost', 'Campaign return on cost', 'ratio', true, 'campaigns',
        'strategic.campaign_effectiveness'),
] %}
kpis as (
    {%- for code, name, unit, higher, basis, source in kpis %}
        select
            {{ loop.index }} as display_order,
            '{{ code }}' as kpi_code,
            '{{ name }}' as kpi_name,
            '{{ unit }}' as unit,
            {{ higher }} as is_higher_better,
            '{{ basis }}' as basis_unit,
            '{{ source }}' as source_table
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- each scorecard month in the period it falls in
scorecard_months as (
    select
        scorecard.*,
        {{ period_of | replace('@', 'scorecard.month_start_date') }} as period_name
    from scorecard
    cross join bounds
),

-- numerator and denominator of each measure per period: the scorecard's monthly ratio times its
-- denominator gives back the month's count (or sum), so the period's figure is a ratio of sums.
-- A customer survey carries both scores (the export contract requires both), so the survey
-- responses are NPS's denominator as well as CSAT's.
scorecard_measures as (
    select
        period_name,
        sum(round(persistency_13m * policies_at_13m)) as persisting_13m,
        sum(policies_at_13m) as policies_at_13m,
        sum(round(persistency_25m * policies_at_25m)) as persisting_25m,
        sum(policies_at_25m) as policies_at_25m,
        sum(nps * survey_responses) as nps_points,
        sum(csat_mean * survey_responses) as csat_points,
        sum(survey_responses) as survey_responses
    from scorecard_months
    where period_name is not null
    group by period_name
),

scorecard_kpis as (
    {%- for code, numerator, denominator in [
        ('persistency_13m', 'persisting_13m', 'policies_at_13m'),
        ('persistency_25m', 'persisting_25m', 'policies_at_25m'),
        ('nps', 'nps_points', 'survey_responses'),
        ('csat', 'csat_points', 'survey_responses'),
    ] %}
        select
            period_name,
            '{{ code }}' as kpi_code,
            cast({{ numerator }} as double) as numerator,
            cast({{ denominator }} as double) as denominator,
            cast({{ denominator }} as bigint) as basis
        from scorecard_measures
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- the lapse rate: lapses in the period per policy in force on average over its months (at each
-- month's end)
dated_lapses as (
    select {{ period_of | replace('@', 'lapse_events.event_date') }} as period_name
    from lapse_events
    cross join bounds
),

lapses as (
    select
        period_name,
        count(*) as lapses
    from dated_lapses
    where period_name is not null
    group by period_name
),

dated_policy_months as (
    select {{ period_of | replace('@', 'policy_months.month_start_date') }} as period_name
    from policy_months
    cross join bounds
),

exposure as (
    select
        period_name,
        count(*) as in_force_policy_months
    from dated_policy_months
    where period_name is not null
    group by period_name
),

lapse_rate as (
    select
        exposure.period_name,
        'lapse_rate' as kpi_code,
        cast(coalesce(lapses.lapses, 0) as double) as numerator,
        cast(exposure.in_force_policy_months as double) / 12 as denominator,
        cast(round(cast(exposure.in_force_policy_months as double) / 12) as bigint) as basis
    from exposure
    left join lapses on exposure.period_name = lapses.period_name
),

-- the campaigns with a control group that ended in the period: their incremental premium over
-- what their contacts cost (a campaign without a control group has no measurable return)
dated_campaigns as (
    select
        campaigns.incremental_premium_twd,
        campaigns.contact_cost_twd,
        {{ period_of | replace('@', 'campaigns.end_date') }} as period_name
    from campaigns
    cross join bounds
    where campaigns.incremental_premium_twd is not null
),

campaign_returns as (
    select
        period_name,
        'campaign_return_on_cost' as kpi_code,
        sum(incremental_premium_twd) as numerator,
        sum(contact_cost_twd) as denominator,
        count(*) as basis
    from dated_campaigns
    where period_name is not null
    group by period_name
),

-- value concentration on the as-of date: the top and bottom tenths of current customers by
-- historical margin and their share of it, as the value model put them
concentration as (
    select
        'current' as period_name,
        case when decile = 10 then 'value_top_decile_share' else 'value_bottom_decile_share' end
            as kpi_code,
        share_of_historical_margin as numerator,
        cast(1 as double) as denominator,
        customers as basis
    from value_concentration
    where decile in (1, 10)
),

measures as (
    select * from scorecard_kpis
    union all
    select * from lapse_rate
    union all
    select * from campaign_returns
    union all
    select * from concentration
),

pivoted as (
    select
        kpi_code,
        max(case when period_name = 'current' then numerator / nullif(denominator, 0) end) as current_value,
        max(case when period_name = 'previous' then numerator / nullif(denominator, 0) end) as previous_value,
        max(case when period_name = 'current' then basis end) as current_basis,
        max(case when period_name = 'previous' then basis end) as previous_basis
    from measures
    group by kpi_code
),

final as (
    select
        cast(kpis.display_order as integer) as display_order,
        cast(kpis.kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(kpis.kpi_name as {{ dbt.type_string() }}) as kpi_name,
        cast(kpis.unit as {{ dbt.type_string() }}) as unit,
        cast(kpis.is_higher_better as boolean) as is_higher_better,
        cast(kpis.basis_unit as {{ dbt.type_string() }}) as basis_unit,
        cast(kpis.source_table as {{ dbt.type_string() }}) as source_table,
        cast(bounds.as_of_date as date) as as_of_date,
        -- value concentration is measured on the as-of date, with no previous period
        cast(
            case
                when kpis.source_table = 'strategic.value_concentration'
                    then bounds.as_of_date
                else bounds.current_start_date
            end
            as date
        ) as current_period_start_date,
        cast(
            case
                when kpis.source_table = 'strategic.value_concentration'
                    then bounds.as_of_date
                else bounds.current_end_date
            end
            as date
        ) as current_period_end_date,
        cast(
            case when kpis.source_table <> 'strategic.value_concentration' then bounds.previous_start_date end
            as date
        ) as previous_period_start_date,
        cast(
            case when kpis.source_table <> 'strategic.value_concentration' then bounds.previous_end_date end
            as date
        ) as previous_period_end_date,
        cast(pivoted.current_value as double) as current_value,
        cast(pivoted.previous_value as double) as previous_value,
        cast(pivoted.current_value - pivoted.previous_value as double) as change_from_previous,
        cast(pivoted.current_basis as bigint) as current_basis,
        cast(pivoted.previous_basis as bigint) as previous_basis
    from kpis
    cross join bounds
    left join pivoted on kpis.kpi_code = pivoted.kpi_code
)

select * from final
