with source as (
    {{ accepted_rows(source('insurer', 'products'), 'products') }}
),

renamed as (
    select
        upper({{ clean_text('product_code') }}) as product_code,
        {{ clean_text('product_name') }} as product_name,
        lower({{ clean_text('product_type') }}) as product_type,
        lower({{ clean_text('premium_modes') }}) as premium_modes,
        cast(term_years as integer) as term_years,
        cast(first_year_commission_rate as double) as first_year_commission_rate,
        cast(renewal_commission_rate as double) as renewal_commission_rate,
        cast(servicing_cost_per_policy_year_twd as double) as servicing_cost_per_policy_year_twd,
        cast(investment_component_rate as double) as investment_component_rate,
        {{ repair_date('launch_date') }} as launch_date,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'product_code') }}
),

final as (
    select
        product_code,
        product_name,
        product_type,
        premium_modes,
        term_years,
        first_year_commission_rate,
        renewal_commission_rate,
        servicing_cost_per_policy_year_twd,
        investment_component_rate,
        launch_date,
        batch_date
    from latest
)

select * from final
