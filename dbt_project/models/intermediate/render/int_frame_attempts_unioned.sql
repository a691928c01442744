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
-- A table, not a view: its data tests and render_efficiency would each recompute the
-- union and the rate lookups. An incremental pass recomputes whole shots, those
-- int_render_affected_shots lists: its cost follows the shots a batch touched.

with

-- Only the columns an attempt needs.
events as (

    select
        event_id,
        event_type,
        film_id,
        shot,
        job_id,
        worker,
        gpu_model,
        frame,
        render_seconds,
        megapixels,
        usd_per_hour,
        occurred_at
    from
    {% if is_incremental() %}
        {{ in_partitions(ref('stg_render__events'), 'int_render_affected_shots', ['film_id', 'shot']) }}
    {% else %}
        {{ ref('stg_render__events') }}
    {% endif %}

),

log_frames as (

    select *
    from
    {% if is_incremental() %}
        {{ in_partitions(ref('stg_render__log_frames'), 'int_render_affected_shots', ['film_id', 'shot']) }}
    {% else %}
        {{ ref('stg_render__log_frames') }}
    {% endif %}

),

gpu_samples as (

    select worker, gpu_index, gpu_name, sampled_at
    from {{ ref('stg_render__gpu_samples') }}
    {% if is_incremental() %}
    where worker in (select worker from events union select worker from log_frames)
    {% endif %}

),

gpu_rates as (

    select * from {{ ref('int_gpu_rates_versioned') }}

),

-- When each attempt started is not needed to count or price it: int_frame_attempts_paired
-- pairs them with their frame_started off this path (the window sorts every frame event).
event_attempts as (

    select
        event_id as attempt_id,
        film_id,
        shot,
        job_id,
        worker,
        gpu_model,
        case when event_type = 'frame_finished' then 'rendered' else 'failed' end as status,
        'render_events' as source,
        frame,
        render_seconds,
        case when event_type = 'frame_finished' then megapixels end as megapixels,
        usd_per_hour,
        occurred_at as finished_at
    from events
    where event_type in ('frame_finished', 'frame_failed')

),

-- The frames the farm reported, of any shot: a log frame of one is not an attempt of its own.
reported_frames as (

    {% if is_incremental() %}
    select job_id, frame
    from {{ ref('stg_render__events') }}
    where
        event_type in ('frame_finished', 'frame_failed')
        and job_id in (select job_id from log_frames)
    {% else %}
    select job_id, frame from event_attempts
    {% endif %}

),

-- A job the farm manager reported frame by frame is not counted again from its log.
log_attempts as (

    select
        'log:' || log_frames._file_name || ':' || log_frames._row_number as attempt_id,
        log_frames.film_id,
        log_frames.shot,
        log_frames.job_id,
        log_frames.worker,
        null::varchar as gpu_model,
        log_frames.status,
        'render_logs' as source,
        log_frames.frame,
        log_frames.render_seconds,
        null::double as megapixels,
        null::double as usd_per_hour,
        null::timestamptz as finished_at
    from log_frames
    anti join reported_frames
        on log_frames.job_id = reported_frames.job_id and log_frames.frame = reported_frames.frame

),

attempts as (

    select * from event_attempts
    union all by name
    select * from log_attempts

),

-- The GPU nvidia-smi last reported on each worker names the GPU when the farm did not.
worker_gpus as (

    select worker, gpu_name
    from gpu_samples
    where gpu_name is not null
    qualify row_number() over (partition by worker order by sampled_at desc, gpu_index) = 1

),

attempts_with_gpu as (

    select
        attempts.* replace (coalesce(attempts.gpu_model, worker_gpus.gpu_name) as gpu_model),
        {{ utc_date('attempts.finished_at') }}
            as rated_on
    from attempts
    left join worker_gpus on attempts.worker = worker_gpus.worker

),

-- The rate is chosen once per GPU model and day, not once per attempt: a farm renders
-- millions of frames on a handful of models over a few hundred days. The model's key (a
-- regex) is computed here too, per model and day rather than per attempt.
rated_days as (

    select
        gpu_model,
        rated_on,
        {{ gpu_model_key('gpu_model') }} as gpu_model_key
    from (select distinct gpu_model, rated_on from attempts_with_gpu)

),

-- The model's rate beats the default; either in effect on the day, else the latest one
-- (attempts with no date, or older than the rate card).
day_rates as (

    select
        rated_days.gpu_model,
        rated_days.rated_on,
        gpu_rates.usd_per_hour as card_usd_per_hour,
        gpu_rates.gpu_model_key as card_gpu_model_key
    from rated_days
    left join gpu_rates
        on gpu_rates.gpu_model_key in (rated_days.gpu_model_key, 'default')
    qualify row_number() over (
        partition by rated_days.gpu_model, rated_days.rated_on
        order by
            gpu_rates.gpu_model_key = 'default',
            rated_days.rated_on >= gpu_rates.effective_from
            and (rated_days.rated_on < gpu_rates.effective_until or gpu_rates.effective_until is null)
            desc nulls last,
            gpu_rates.effective_from desc
    ) = 1

),

rated_attempts as (

    select
        attempts_with_gpu.*,
        day_rates.card_usd_per_hour,
        day_rates.card_gpu_model_key
    from attempts_with_gpu
    left join day_rates
        on attempts_with_gpu.gpu_model is not distinct from day_rates.gpu_model
        and attempts_with_gpu.rated_on is not distinct from day_rates.rated_on

),

final as (

    select
        attempt_id,
        film_id,
        shot,
        job_id,
        worker,
        gpu_model,
        status,
        source,
        case
            when usd_per_hour is not null then 'event'
            when card_gpu_model_key = 'default' then 'default'
            when card_gpu_model_key is not null then 'rate_card'
        end as usd_per_hour_source,
        frame,
        render_seconds,
        megapixels,
        coalesce(usd_per_hour, card_usd_per_hour) as usd_per_hour,
        render_seconds / 3600 * coalesce(usd_per_hour, card_usd_per_hour) as render_cost_usd,
        finished_at

    from rated_attempts

)

select * from final
