with source as (
    select * from {{ source('insurer', 'products') }}
),

renamed as (
    select
        upper(trim(product_code)) as product_code,
        trim(product_name) as product_name,
        lower(trim(product_type)) as product_type,
        lower(trim(premium_modes)) as premium_modes,
        cast(term_years as integer) as term_years,
        cast(first_year_commission_rate as double) as first_year_commission_rate,
        cast(renewal_commission_rate as double) as renewal_commission_rate,
        cast(launch_date as date) as launch_date,
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
        launch_date,
        batch_date
    from latest
)

select * from final
