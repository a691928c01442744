with

source as (

    select * from {{ source('raw', 'youtube') }}
    where item_kind = 'youtube#video'

),

final as (

    select
        trim(object_id) as video_id,  -- YouTube ids are case-sensitive: kept as given
        trim(channel_id) as channel_id,
        title,
        published_at,
        observed_at,
        {{ utc_date('observed_at') }} as observed_date,
        view_count as views,
        like_count as likes,
        comment_count as comments,
        _file_name,
        _loaded_at

    from source

)

select * from final
