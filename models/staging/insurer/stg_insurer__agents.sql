with source as (
    {{ accepted_rows(source('insurer', 'agents'), 'agents') }}
),

renamed as (
    select
        {{ clean_text('agent_id') }} as agent_id,
        {{ clean_text('agent_name') }} as agent_name,
        {{ repair_date('hire_date') }} as hire_date,
        {{ repair_date('termination_date') }} as termination_date,
        {{ clean_text('branch') }} as branch,
        lower({{ clean_text('channel') }}) as channel_code,
        lower({{ clean_text('rank') }}) as agent_rank,
        cast(_batch_date as date) as batch_date,
        _source_line as source_line
    from source
),

latest as (
    {{ latest_delivery('renamed', 'agent_id') }}
),

final as (
    select
        agent_id,
        agent_name,
        hire_date,
        termination_date,
        branch,
        channel_code,
        agent_rank,
        batch_date
    from latest
)

select * from final
