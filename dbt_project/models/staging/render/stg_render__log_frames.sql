with

source as (

    select * from {{ source('raw', 'render_logs') }}

),

final as (

    select
        lower(trim(job_id)) as job_id,
        lower(trim(film_id)) as film_id,
        lower(trim(shot)) as shot,
        lower(trim(worker)) as worker,
        lower(trim(status)) as status,
        engine,
        blender_version,
        output_path,
        frame,
        render_seconds,
        saving_seconds,
        peak_memory_mib,
        samples_done,
        samples_total,
        last_line,
        _file_name,
        _row_number,
        _loaded_at

    from source

)

select * from final
