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

-- Agents arrive as full snapshots: keep each agent's latest delivered row.
ranked as (
    select
        *,
        row_number() over (
            partition by agent_id order by batch_date desc, source_line desc
        ) as recency_rank
    from renamed
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
    from ranked
    where recency_rank = 1
)

select * from final
