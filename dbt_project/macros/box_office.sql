{#- The box-office chain, as macros so that a view and an incremental mart share one
    definition: the views int_daily_grosses_matched and _deduplicated apply them to every
    chart row, box_office_daily's incremental pass to the rows of the films it recomputes. -#}

{#- Every chart row of `chart_rows` (a relation or CTE shaped like
    stg_box_office__daily_grosses) with its film resolved. -#}
{% macro match_daily_grosses(chart_rows) %}
with

-- The chart rows, imported twice on purpose: once whole (daily_grosses) and once for the
-- distinct titles to match (unmatched_titles). One CTE read twice would be copied by DuckDB.
daily_grosses as (

    select * from {{ chart_rows }}

),

unmatched_titles as (

    select distinct title from {{ chart_rows }} where film_id is null

),

films as (

    select
        film_id,
        film_key,
        {{ title_key('title') }} as title_key,
        release_date
    from {{ ref('int_films_deduplicated') }}

),

-- Which film a title key means on a given day, as date ranges: when several films share
-- the key (a remake), the latest film released on or before the day; before every
-- release, the earliest one (same-day releases: the smallest film_id). Ranges let each
-- row find its film by an equality join, not a window over every (title, day).
film_periods as (

    select
        title_key,
        film_id,
        release_date as valid_from,
        coalesce(
            lead(release_date) over (partition by title_key order by release_date, film_id desc),
            'infinity'::date
        ) as valid_until
    from films

    union all

    select
        title_key,
        film_id,
        '-infinity'::date as valid_from,
        release_date as valid_until
    from films
    qualify row_number() over (partition by title_key order by release_date, film_id) = 1

),

-- Rows without a film_id are matched by title; the key is computed once per distinct title.
title_periods as (

    select
        unmatched_titles.title,
        film_periods.film_id,
        film_periods.valid_from,
        film_periods.valid_until
    from unmatched_titles
    inner join film_periods on {{ title_key('unmatched_titles.title') }} = film_periods.title_key

),

matched as (

    select
        daily_grosses.*,
        coalesce(daily_grosses.film_id, title_periods.film_id) as matched_film_id
    from daily_grosses
    -- Comparisons only (no `film_id is null` or null-tolerant bounds): they keep this a
    -- hash join on the title. The ranges of a title never overlap, so a row matches once;
    -- rows with a film_id keep it through the coalesce above.
    left join title_periods
        on
            daily_grosses.title = title_periods.title
            and daily_grosses.date >= title_periods.valid_from
            and daily_grosses.date < title_periods.valid_until

),

final as (

    select
        matched.matched_film_id as film_id,
        -- Null only for a film missing from the catalog, which fails the marts' tests.
        films.film_key,
        matched.title,
        matched.distributor,
        matched.territory,
        matched.gross_usd,
        matched.theaters,
        matched.rank,
        matched.film_id is null as is_matched_by_title,
        matched.is_estimate,
        matched.date,
        matched.reported_at,
        matched._file_sha256,
        matched._file_name,
        matched._row_number,
        matched._loaded_at

    from matched
    left join films on matched.matched_film_id = films.film_id

)

select * from final
{% endmacro %}


{#- The winning report per film, territory and day among `matched_rows` (shaped like
    int_daily_grosses_matched). -#}
{% macro deduplicate_daily_grosses(matched_rows) %}
with

-- Only what the ranking and the marts read: a view used three times below is copied once,
-- and every column it carries is copied ten million times.
daily_grosses as (

    select
        film_key,
        territory,
        date,
        gross_usd,
        theaters,
        is_estimate,
        reported_at,
        _loaded_at,
        _row_number
    from {{ matched_rows }}

),

-- Most film, territory and day keys have a single report. The keys reported more than
-- once are found by grouping a hash of the key (a collision only adds a candidate, which
-- the ranking below then treats exactly); only their reports are sorted and ranked, which
-- spares sorting every row. Partitioned by film_key, the film's number, rather than the
-- film_id string.
repeated_keys as (

    select hash(film_key, territory, date) as key_hash
    from daily_grosses
    group by key_hash
    having count(*) > 1

),

single_reports as (

    select
        *,
        1 as report_count
    from daily_grosses
    where hash(film_key, territory, date) not in (select key_hash from repeated_keys)

),

-- One winning report per film, territory and day: an actual beats an estimate whatever
-- the order they came in; among equals the latest reported_at (unknown loses), then
-- the latest load, then the last row of the file. That order is total: ingestion gives
-- every file of a batch its own _loaded_at (a microsecond apart).
winning_reports as (

    select
        *,
        count(*) over days as report_count
    from daily_grosses
    where hash(film_key, territory, date) in (select key_hash from repeated_keys)
    window days as (partition by film_key, territory, date)
    qualify row_number() over (
        days
        order by
            is_estimate,
            reported_at desc nulls last,
            _loaded_at desc nulls last,
            _row_number desc
    ) = 1

),

final as (

    select film_key, territory, date, gross_usd, theaters, report_count, is_estimate, reported_at, _loaded_at
    from single_reports

    union all

    select film_key, territory, date, gross_usd, theaters, report_count, is_estimate, reported_at, _loaded_at
    from winning_reports

)

select * from final
{% endmacro %}
