with

observations as (

    select * from {{ ref('int_social_observations_linked') }}
    where film_id is not null

),

channel_observations as (

    select links.film_id, channels.*
    from {{ ref('stg_youtube__channels') }} as channels
    inner join {{ ref('int_social_links_deduplicated') }} as links
        on links.platform = 'youtube' and links.object_id = channels.channel_id

),

-- Each object as last observed that day (snapshots may arrive in any order).
object_days as (

    select * from observations
    qualify row_number() over (
        partition by film_id, platform, object_id, observed_date order by observed_at desc
    ) = 1

),

channel_days_last as (

    select * from channel_observations
    qualify row_number() over (
        partition by film_id, channel_id, observed_date order by observed_at desc
    ) = 1

),

-- A total is unknown (null) when any object's count is unknown, e.g. hidden likes:
-- a partial sum would pass for the whole.
content_days as (

    select
        film_id,
        platform,
        observed_date as date,
        case when count(views) = count(*) then sum(views) end::bigint as views,
        case when count(likes) = count(*) then sum(likes) end::bigint as likes,
        case when count(comments) = count(*) then sum(comments) end::bigint as comments,
        count(*) as objects_observed

    from object_days
    group by all

),

channel_days as (

    select
        film_id,
        'youtube' as platform,
        observed_date as date,
        case when count(subscribers) = count(*) then sum(subscribers) end::bigint as channel_subscribers,
        case when count(channel_views) = count(*) then sum(channel_views) end::bigint as channel_views,
        case when count(channel_videos) = count(*) then sum(channel_videos) end::bigint as channel_videos

    from channel_days_last
    group by all

),

days as (

    select *
    from content_days
    full outer join channel_days using (film_id, platform, date)

),

final as (

    -- The contract's columns first, then coverage and channel growth.
    select
        film_id,
        platform,
        date,
        views,
        likes,
        comments,
        views - lag(views) over (partition by film_id, platform order by date) as views_delta,
        (likes + comments)::double / nullif(views, 0) as engagement_rate,
        coalesce(objects_observed, 0) as objects_observed,
        channel_subscribers,
        channel_views,
        channel_videos

    from days

)

select * from final
