{{ config(materialized='table') }}

-- The films whose render_daily rows a pass recomputes: the films of the shots it
-- recomputes, and films whose catalog record changed (their budget is in every row).
with

final as (

    select film_id from {{ ref('int_render_affected_shots') }}
    union
    select film_id
    from {{ ref('stg_box_office__films') }}
    where _loaded_at > {{ since('films') }}

)

select * from final
