with

source as (

    select * from {{ source('raw', 'render_events') }}

),

final as (

    select
        lower(trim(event_id)) as event_id,
        lower(trim(job_id)) as job_id,
        lower(trim(film_id)) as film_id,
        lower(trim(shot)) as shot,
        lower(trim(worker)) as worker,
        lower(trim(event_type)) as event_type,
        nullif(trim(gpu_model), '') as gpu_model,
        error,
        frame,
        render_seconds,
        samples,
        resolution_x,
        resolution_y,
        (resolution_x * resolution_y)::double / 1e6 as megapixels,
        peak_memory_mb,
        usd_per_hour,
        ts as occurred_at,
        _file_name,
        _loaded_at

    from source

)

select * from final
