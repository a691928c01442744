{{ config(materialized='table') }}

with

-- What arrived since the last published build (all of it on a full refresh or a first
-- build): chart rows, and catalog records.
new_chart_rows as (

    select film_id, title
    from {{ ref('stg_box_office__daily_grosses') }}
    where _loaded_at > {{ since('box_office_daily') }}

),

changed_films as (

    select distinct film_id
    from {{ ref('stg_box_office__films') }}
    where _loaded_at > {{ since('films') }}

),

-- Rows without a film_id go to the film whose current title has their title key; a catalog
-- change can move such rows between films that share a key (a remake, a rename, a new
-- release date), so every key a changed film has ever had, or a new row carries, is touched.
touched_title_keys as (

    select {{ title_key('title') }} as title_key
    from {{ ref('stg_box_office__films') }}
    where film_id in (select film_id from changed_films)

    union

    select {{ title_key('title') }} as title_key
    from new_chart_rows
    where film_id is null

),

films as (

    select film_id, {{ title_key('title') }} as title_key
    from {{ ref('int_films_deduplicated') }}

),

final as (

    select films.film_id, films.title_key
    from films
    where
        films.film_id in (select film_id from new_chart_rows)
        or films.film_id in (select film_id from changed_films)
        or films.title_key in (select title_key from touched_title_keys)

)

select * from final
