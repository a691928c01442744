with

source as (

    select * from {{ source('raw', 'render_events') }}

),

final as (

    -- Ingestion already trimmed every text value and made blank ones null; ids are
    -- compared in lower case across events, logs and metrics.
    select
        lower(event_id) as event_id,
        lower(job_id) as job_id,
        lower(film_id) as film_id,
        lower(shot) as shot,
        lower(worker) as worker,
        lower(event_type) as event_type,
        gpu_model,
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
