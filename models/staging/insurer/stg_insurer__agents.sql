with source as (
    select * from {{ source('insurer', 'agents') }}
),

renamed as (
    select
        trim(agent_id) as agent_id,
        trim(agent_name) as agent_name,
        cast(hire_date as date) as hire_date,
        cast(termination_date as date) as termination_date,
        trim(branch) as branch,
        lower(trim(channel)) as channel_code,
        lower(trim(rank)) as agent_rank,
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
