-- Objects the collectors fetch that no social_links row maps to a film: loaded and kept,
-- listed here so an operator can link them (or stop fetching them).
with

observations as (

    select platform, object_id, film_id, observed_at
    from {{ ref('int_social_observations_linked') }}

),

channels as (

    select channel_id, observed_at from {{ ref('stg_youtube__channels') }}

),

links as (

    select platform, object_id from {{ ref('int_social_links_deduplicated') }}

),

unlinked_content as (

    select platform, object_id, 'content' as object_type, observed_at
    from observations
    where film_id is null

),

unlinked_channels as (

    select 'youtube' as platform, channel_id as object_id, 'channel' as object_type, observed_at
    from channels
    where channel_id not in (select object_id from links where platform = 'youtube')

),

unlinked_observations as (

    select * from unlinked_content
    union all
    select * from unlinked_channels

),

final as (

    select
        platform,
        object_id,
        object_type,
        count(*) as observations,
        min(observed_at) as first_observed_at,
        max(observed_at) as last_observed_at

    from unlinked_observations
    group by all

)

select * from final
