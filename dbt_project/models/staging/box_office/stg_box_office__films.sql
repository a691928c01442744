with

source as (

    select * from {{ source('raw', 'films') }}

),

-- Every catalog record ever loaded, as loaded: which record of a film wins is decided in
-- int_films_deduplicated.
final as (

    select
        film_id,
        title,
        distributor,
        genre,
        production_model,
        production_budget_usd,
        domestic_gross_usd,
        worldwide_gross_usd,
        release_date,
        _file_sha256,
        _file_name,
        _row_number,
        _loaded_at

    from source

)

select * from final
