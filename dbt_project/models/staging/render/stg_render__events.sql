with

source as (

    select * from {{ source('raw', 'render_events') }}

),

final as (

    -- Ingestion already trimmed every text value and made blank ones null. The ids
    -- that join events to logs and metrics are compared in lower case; event_id joins
    -- nothing and keeps the case raw made it unique in (lower-cased, `E1` and `e1` would
    -- fail its unique test on every run from then on), and event_type passed the raw
    -- suite's set of lower-case values.
    select
        event_id,
        lower(job_id) as job_id,
        lower(film_id) as film_id,
        lower(shot) as shot,
        lower(worker) as worker,
        event_type,
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
