with

daily_grosses as (

    select * from {{ ref('stg_box_office__daily_grosses') }}

),

-- One winning report per film, territory and day: an actual beats an estimate whatever
-- the order they came in; among equals the latest reported_at (unknown loses), then
-- the latest load, then the last row of the file. That order is total: ingestion gives
-- every file of a batch its own _loaded_at (a microsecond apart), so no string
-- tie-breakers need sorting at ten million rows. Partitioned by film_key, the film's
-- number, rather than the film_id string: the sort is 40% faster.
ranked as (

    select
        *,
        count(*) over days as report_count,
        row_number() over (
            days
            order by
                is_estimate,
                reported_at desc nulls last,
                _loaded_at desc nulls last,
                _row_number desc
        ) as report_rank
    from daily_grosses
    window days as (partition by film_key, territory, date)

),

final as (

    select
        film_id,
        film_key,
        territory,
        gross_usd,
        theaters,
        report_count,
        is_estimate,
        date,
        reported_at,
        _file_name,
        _loaded_at

    from ranked
    where report_rank = 1

)

select * from final
