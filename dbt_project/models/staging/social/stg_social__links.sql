with

source as (

    select * from {{ source('raw', 'social_links') }}

),

normalized as (

    select
        platform,
        case
            when platform = 'reddit' then {{ reddit_key('object_id') }}
            else trim(object_id)
        end as object_id,
        film_id,
        role,
        _loaded_at,
        _row_number

    from source

),

-- Every delivery of the links file repeats the links it still holds: one row per link,
-- with the role of the newest delivery.
final as (

    select platform, object_id, film_id, role
    from normalized
    qualify row_number() over (
        partition by platform, object_id, film_id
        order by _loaded_at desc, _row_number desc
    ) = 1

)

select * from final
