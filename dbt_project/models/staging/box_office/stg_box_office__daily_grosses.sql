with

source as (

    select * from {{ source('raw', 'box_office_daily') }}

),

-- Every chart row ever loaded, as loaded: estimates, revisions and re-deliveries all stay.
-- The film a row without film_id means is found in int_daily_grosses_matched.
final as (

    select
        film_id,
        title,
        distributor,
        lower(trim(territory)) as territory,
        gross_usd,
        theaters,
        rank,
        is_estimate,
        date,
        reported_at,
        _file_sha256,
        _file_name,
        _row_number,
        _loaded_at

    from source

)

select * from final
