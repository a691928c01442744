with

source as (

    select * from {{ source('raw', 'social_links') }}

),

-- Every link row of every delivery, as loaded: which delivery's row wins is decided in
-- int_social_links_deduplicated.
final as (

    select
        platform,
        case
            when platform = 'reddit' then {{ reddit_key('object_id') }}
            else trim(object_id)
        end as object_id,
        film_id,
        role,
        _file_name,
        _row_number,
        _loaded_at

    from source

)

select * from final
