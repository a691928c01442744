{{ config(materialized='table') }}

with

events as (

    select job_id, film_id, shot, worker, gpu_model, occurred_at, _loaded_at
    from {{ ref('stg_render__events') }}

),

log_frames as (

    select job_id, film_id, shot, worker, _loaded_at from {{ ref('stg_render__log_frames') }}

),

gpu_samples as (

    select worker, gpu_index, gpu_name, sampled_at, _loaded_at from {{ ref('stg_render__gpu_samples') }}

),

-- A job with new events or log frames has new attempts, a changed time window, and log
-- frames that the farm's events now report (so they no longer count on their own).
new_jobs as (

    select job_id from events where _loaded_at > {{ since('render_events') }}
    union
    select job_id from log_frames where _loaded_at > {{ since('render_logs') }}

),

new_samples as (

    select worker, min(sampled_at) as first_sampled_at, max(sampled_at) as last_sampled_at
    from gpu_samples
    where _loaded_at > {{ since('gpu_metrics') }}
    group by worker

),

-- New samples enter a shot's GPU usage when one of its jobs ran on their worker then.
sampled_jobs as (

    select events.job_id, events.worker
    from events
    where events.worker in (select worker from new_samples)
    group by all

),

sampled_job_windows as (

    select job_id, min(occurred_at) as first_event_at, max(occurred_at) as last_event_at
    from events
    where job_id in (select job_id from sampled_jobs)
    group by job_id

),

sampled_shot_jobs as (

    select sampled_jobs.job_id
    from sampled_jobs
    inner join sampled_job_windows on sampled_jobs.job_id = sampled_job_windows.job_id
    inner join new_samples
        on
            sampled_jobs.worker = new_samples.worker
            and sampled_job_windows.first_event_at <= new_samples.last_sampled_at
            and sampled_job_windows.last_event_at >= new_samples.first_sampled_at

),

-- A worker whose latest named GPU is another one now: its attempts without a GPU of
-- their own are priced as that GPU (int_frame_attempts_unioned's worker_gpus).
worker_gpu_names as (

    select
        worker,
        first(gpu_name order by sampled_at desc, gpu_index)
            filter (where _loaded_at <= {{ since('gpu_metrics') }}) as gpu_name_before,
        first(gpu_name order by sampled_at desc, gpu_index) as gpu_name_now
    from gpu_samples
    where gpu_name is not null and worker in (select worker from new_samples)
    group by worker

),

renamed_workers as (

    select worker from worker_gpu_names where gpu_name_before is distinct from gpu_name_now

),

final as (

    select film_id, shot
    from events
    where
        job_id in (select job_id from new_jobs)
        or job_id in (select job_id from sampled_shot_jobs)
        or (worker in (select worker from renamed_workers) and gpu_model is null)

    union

    select film_id, shot
    from log_frames
    where
        job_id in (select job_id from new_jobs)
        or worker in (select worker from renamed_workers)

)

select * from final
