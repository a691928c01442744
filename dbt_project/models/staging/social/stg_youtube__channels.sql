with

source as (

    select * from {{ source('raw', 'youtube') }}
    where item_kind = 'youtube#channel'

),

final as (

    select
        trim(object_id) as channel_id,
        title,
        observed_at,
        {{ utc_date('observed_at') }} as observed_date,
        subscriber_count as subscribers,
        coalesce(hidden_subscriber_count, false) as has_hidden_subscribers,
        view_count as channel_views,
        video_count as channel_videos,
        _file_name,
        _loaded_at

    from source

)

select * from final
