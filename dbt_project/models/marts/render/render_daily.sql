{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        unique_key='film_id',
        partitions='int_render_affected_films',
        on_schema_change='fail',
    )
}}
-- depends_on: {{ ref('int_render_affected_films') }}
-- An incremental pass recomputes whole films (a running total spans the film's days), those
-- int_render_affected_films lists.
with

-- Blender-log frames carry no time, so they belong to no day: render_efficiency and
-- production_efficiency count them, this mart cannot.
attempts as (

    select film_id, status, render_seconds, render_cost_usd, megapixels, finished_at
    from
    {% if is_incremental() %}
        {{ in_partitions(ref('int_frame_attempts_unioned'), 'int_render_affected_films', ['film_id']) }}
    {% else %}
        {{ ref('int_frame_attempts_unioned') }}
    {% endif %}
    where finished_at is not null

),

films as (

    select film_id, production_budget_usd from {{ ref('int_films_deduplicated') }}

),

-- An attempt counts whole on the UTC day it ended, the day it was priced at; one that
-- ran over midnight is not split.
daily_attempts as (

    select
        film_id,
        {{ utc_date('finished_at') }} as date,
        count(*) filter (where status = 'rendered') as frames_rendered,
        count(*) filter (where status = 'failed') as frames_failed,
        sum(render_seconds) / 3600 as render_hours,
        sum(render_cost_usd) as render_cost_usd,
        sum(megapixels) filter (where status = 'rendered') as megapixels_rendered
    from attempts
    group by film_id, date

),

running_totals as (

    select
        *,
        -- sum() skips a day whose cost is unknown: it adds nothing and the total carries on
        -- (null until the first day with a known cost, rather than a made-up 0).
        sum(render_cost_usd) over (
            partition by film_id
            order by date
            rows between unbounded preceding and current row
        ) as cumulative_render_cost_usd
    from daily_attempts

),

final as (

    -- Column order is the published contract, not the style guide's.
    select
        running_totals.film_id,
        running_totals.date,
        running_totals.frames_rendered,
        running_totals.frames_failed,
        running_totals.render_hours,
        running_totals.render_cost_usd,
        running_totals.cumulative_render_cost_usd,
        running_totals.megapixels_rendered,
        running_totals.render_cost_usd / nullif(running_totals.frames_rendered, 0) as cost_per_frame_usd,
        films.production_budget_usd,
        running_totals.cumulative_render_cost_usd / nullif(films.production_budget_usd, 0)
            as cumulative_cost_share_of_budget

    from running_totals
    left join films on running_totals.film_id = films.film_id

)

select * from final
