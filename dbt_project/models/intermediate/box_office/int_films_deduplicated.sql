with

films as (

    select * from {{ ref('stg_box_office__films') }}

),

-- raw.films is append-only: every catalog file adds a record per film. The newest file's
-- record wins; within one file the last record does. The file hash only makes the
-- choice deterministic when two files were loaded at the same instant.
newest_records as (

    select * from films
    qualify row_number() over (
        partition by film_id
        order by _loaded_at desc nulls last, _row_number desc, _file_sha256 desc
    ) = 1

),

final as (

    select
        film_id,
        -- A dense number for the film: partitioning the daily rows by an integer sorts
        -- faster than by the film_id string.
        row_number() over (order by film_id) as film_key,
        title,
        distributor,
        genre,
        production_model,
        production_budget_usd,
        domestic_gross_usd,
        worldwide_gross_usd,
        release_date,
        _file_name,
        _loaded_at

    from newest_records

)

select * from final
