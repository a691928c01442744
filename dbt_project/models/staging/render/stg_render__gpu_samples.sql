with

source as (

    select * from {{ source('raw', 'gpu_metrics') }}

),

final as (

    select
        lower(trim(worker)) as worker,
        gpu_index,
        nullif(trim(gpu_name), '') as gpu_name,
        gpu_uuid,
        utilization_gpu_pct,
        utilization_memory_pct,
        memory_used_mib,
        memory_total_mib,
        power_draw_w,
        power_limit_w,
        temperature_gpu_c,
        sm_clock_mhz,
        ts as sampled_at,
        _file_name,
        _loaded_at

    from source

)

select * from final
