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
    from {{ ref('int_daily_grosses_matched') }}

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
