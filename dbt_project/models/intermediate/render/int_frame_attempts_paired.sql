-- A view: no mart reads it, so it costs nothing until an analyst asks when attempts
-- started (as a column of int_frame_attempts_unioned, its sort of every frame event took
-- most of that table's build time on every pass).
with

frame_events as (

    select event_id, event_type, job_id, frame, worker, occurred_at
    from {{ ref('stg_render__events') }}
    where event_type in ('frame_started', 'frame_finished', 'frame_failed')

),

-- Events may arrive out of order, so attempts are paired by time, not arrival: an
-- attempt starts at the latest frame_started of its job, frame and worker since the
-- previous attempt there ended (none if the farm never said).
paired_events as (

    select
        *,
        max(case when event_type = 'frame_started' then occurred_at end)
            over (frame_history rows between unbounded preceding and current row)
            as last_started_at,
        max(case when event_type <> 'frame_started' then occurred_at end)
            over (frame_history rows between unbounded preceding and 1 preceding)
            as previous_ended_at
    from frame_events
    window frame_history as (
        partition by job_id, frame, worker
        order by occurred_at, event_type <> 'frame_started', event_id
    )

),

final as (

    select
        event_id as attempt_id,
        case
            when previous_ended_at is null or last_started_at > previous_ended_at
                then last_started_at
        end as started_at,
        occurred_at as finished_at
    from paired_events
    where event_type in ('frame_finished', 'frame_failed')

)

select * from final
