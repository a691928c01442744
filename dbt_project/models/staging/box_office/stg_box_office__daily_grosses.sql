with

source as (

    select * from {{ source('raw', 'box_office_daily') }}

),

films as (

    select film_id, title_key, release_date from {{ ref('stg_box_office__films') }}

),

daily_grosses as (

    select
        *,
        {{ title_key('title') }} as title_key
    from source

),

unmatched_title_days as (

    select distinct title_key, date from daily_grosses where film_id is null

),

-- Rows without a film_id are matched by title key. When several films share the key
-- (a remake), the latest film released on or before the row's date wins; a row dated
-- before every release goes to the earliest one. Resolved once per (title key, date).
title_matches as (

    select
        unmatched_title_days.title_key,
        unmatched_title_days.date,
        films.film_id
    from unmatched_title_days
    inner join films on unmatched_title_days.title_key = films.title_key
    qualify row_number() over (
        partition by unmatched_title_days.title_key, unmatched_title_days.date
        order by
            (films.release_date <= unmatched_title_days.date) desc,
            case
                when films.release_date <= unmatched_title_days.date then films.release_date
            end desc,
            films.release_date,
            films.film_id
    ) = 1

),

final as (

    select
        coalesce(daily_grosses.film_id, title_matches.film_id) as film_id,
        daily_grosses.title,
        daily_grosses.distributor,
        lower(trim(daily_grosses.territory)) as territory,
        daily_grosses.gross_usd,
        daily_grosses.theaters,
        daily_grosses.rank,
        daily_grosses.film_id is null as is_matched_by_title,
        daily_grosses.is_estimate,
        daily_grosses.date,
        daily_grosses.reported_at,
        daily_grosses._file_sha256,
        daily_grosses._file_name,
        daily_grosses._row_number,
        daily_grosses._loaded_at

    from daily_grosses
    -- Equality only: a `film_id is null` term here would turn the hash join into a
    -- nested loop; rows with a film_id keep it through the coalesce above.
    left join title_matches
        on
            daily_grosses.title_key = title_matches.title_key
            and daily_grosses.date = title_matches.date

)

select * from final
