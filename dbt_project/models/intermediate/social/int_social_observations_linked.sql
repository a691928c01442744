-- A table, not a view: social_momentum, production_efficiency and
-- int_social_objects_unlinked all read it; as a view each would redo the joins.
{{ config(materialized='table') }}

with

links as (

    select * from {{ ref('int_social_links_deduplicated') }}

),

videos as (

    select
        'youtube' as platform,
        video_id as object_id,
        observed_at,
        observed_date,
        views,
        likes,
        comments

    from {{ ref('stg_youtube__videos') }}

),

posts as (

    select
        'reddit' as platform,
        post_id as object_id,
        subreddit,
        observed_at,
        observed_date,
        null::bigint as views,  -- Reddit has no view counts
        score as likes,
        num_comments as comments

    from {{ ref('stg_reddit__posts') }}

),

linked_videos as (

    select links.film_id, videos.*
    from videos
    left join links on links.platform = 'youtube' and links.object_id = videos.object_id

),

-- A post belongs to a film when the post or its subreddit is linked to it; `union`
-- (not `union all`) counts a post once when both are. Two equi-joins, not one join on
-- an OR, so DuckDB can hash them.
linked_posts as (

    select links.film_id, posts.* exclude (subreddit)
    from posts
    inner join links on links.platform = 'reddit' and links.object_id = posts.object_id

    union

    select links.film_id, posts.* exclude (subreddit)
    from posts
    inner join links on links.platform = 'reddit' and links.object_id = posts.subreddit

),

-- Unlinked posts are kept with a null film, like unlinked videos.
unlinked_posts as (

    select null::varchar as film_id, posts.* exclude (subreddit)
    from posts
    where not exists (
        select 1 from links
        where links.platform = 'reddit' and links.object_id in (posts.object_id, posts.subreddit)
    )

),

final as (

    select * from linked_videos
    union all
    select * from linked_posts
    union all
    select * from unlinked_posts

)

select * from final
