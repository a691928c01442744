with

links as (

    select * from {{ ref('stg_social__links') }}

),

-- Every delivery of the links file repeats the links it still holds: one row per link,
-- with the role of the newest delivery.
final as (

    select platform, object_id, film_id, role
    from links
    qualify row_number() over (
        partition by platform, object_id, film_id
        order by _loaded_at desc, _row_number desc
    ) = 1

)

select * from final
