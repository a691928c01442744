{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        unique_key=['film_id', 'shot'],
        partitions='int_render_affected_shots',
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_render_affected_shots') }}
-- An incremental pass recomputes the shots int_render_affected_shots lists, from their
-- attempts, their jobs' events and the samples of their workers.
with

{% if is_incremental() %}

attempts as (

    select *
    from {{ in_partitions(ref('int_frame_attempts_unioned'), 'int_render_affected_shots', ['film_id', 'shot']) }}

),

shot_events as (

    select job_id, film_id, shot, worker, occurred_at
    from {{ in_partitions(ref('stg_render__events'), 'int_render_affected_shots', ['film_id', 'shot']) }}

),

-- A job's window spans all its events, whatever shot they name.
events as (

    select job_id, film_id, shot, worker, occurred_at
    from {{ ref('stg_render__events') }}
    where job_id in (select job_id from shot_events)

),

gpu_samples as (

    select *
    from {{ ref('stg_render__gpu_samples') }}
    where worker in (select worker from shot_events)

),

{% else %}

attempts as (

    select * from {{ ref('int_frame_attempts_unioned') }}

),

events as (

    select job_id, film_id, shot, worker, occurred_at from {{ ref('stg_render__events') }}

),

gpu_samples as (

    select * from {{ ref('stg_render__gpu_samples') }}

),

{% endif %}

job_windows as (

    select job_id, min(occurred_at) as first_event_at, max(occurred_at) as last_event_at
    from events
    group by job_id

),

shot_workers as (

    select distinct film_id, shot, job_id, worker from events where worker is not null

),

-- Each nvidia-smi sample of a shot's workers taken while one of its jobs ran, counted
-- once per shot even when two of its jobs overlapped on the worker.
shot_gpu_samples as (

    select distinct
        shot_workers.film_id,
        shot_workers.shot,
        gpu_samples.worker,
        gpu_samples.gpu_index,
        gpu_samples.sampled_at,
        gpu_samples.utilization_gpu_pct,
        gpu_samples.power_draw_w
    from shot_workers
    inner join job_windows on shot_workers.job_id = job_windows.job_id
    inner join gpu_samples
        on
            shot_workers.worker = gpu_samples.worker
            and gpu_samples.sampled_at
            between job_windows.first_event_at and job_windows.last_event_at

),

shot_gpu_usage as (

    select
        film_id,
        shot,
        avg(utilization_gpu_pct) as avg_gpu_utilization_pct,
        avg(power_draw_w) as avg_power_w
    from shot_gpu_samples
    group by film_id, shot

),

shot_attempts as (

    select
        film_id,
        shot,
        count(*) filter (where status = 'rendered') as frames_rendered,
        count(*) filter (where status = 'failed') as frames_failed,
        count(*) filter (where status = 'rendered' and megapixels is null) as frames_without_resolution,
        sum(render_seconds) as render_seconds,
        sum(render_seconds) filter (where status = 'rendered') as rendered_seconds,
        -- No failed attempt is a known zero; failed attempts of unknown length are unknown.
        case
            when count(*) filter (where status = 'failed') = 0 then 0
            else sum(render_seconds) filter (where status = 'failed')
        end as failed_seconds,
        sum(render_cost_usd) as render_cost_usd,
        sum(megapixels) filter (where status = 'rendered') as megapixels_rendered
    from attempts
    group by film_id, shot

),

final as (

    -- Column order is the published contract, not the style guide's.
    select
        shot_attempts.film_id,
        shot_attempts.shot,
        shot_attempts.frames_rendered,
        shot_attempts.frames_failed,
        shot_attempts.render_seconds / 3600 as render_hours,
        shot_attempts.render_cost_usd,
        shot_attempts.render_cost_usd / nullif(shot_attempts.frames_rendered, 0) as cost_per_frame_usd,
        shot_attempts.rendered_seconds / nullif(shot_attempts.frames_rendered, 0) as avg_seconds_per_frame,
        shot_attempts.megapixels_rendered,
        -- Only when every rendered frame's resolution is known: log frames have none, and
        -- a partial count would inflate the cost of each megapixel.
        case
            when shot_attempts.frames_without_resolution = 0
                then shot_attempts.render_cost_usd / nullif(shot_attempts.megapixels_rendered, 0)
        end as cost_per_megapixel_usd,
        shot_attempts.failed_seconds / nullif(shot_attempts.render_seconds, 0) as failure_waste_share,
        shot_gpu_usage.avg_gpu_utilization_pct,
        shot_gpu_usage.avg_power_w

    from shot_attempts
    left join shot_gpu_usage
        on shot_attempts.film_id = shot_gpu_usage.film_id and shot_attempts.shot = shot_gpu_usage.shot

)

select * from final
