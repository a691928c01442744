-- Objects the collectors fetch that no social_links row maps to a film: loaded and kept,
-- listed here so an operator can link them (or stop fetching them).
with

observations as (

    select platform, object_id, 'content' as object_type, observed_at
    from {{ ref('int_social__observations_linked') }}
    where film_id is null

),

channels as (

    select 'youtube' as platform, channel_id as object_id, 'channel' as object_type, observed_at
    from {{ ref('stg_youtube__channels') }}
    where channel_id not in (select object_id from {{ ref('stg_social__links') }} where platform = 'youtube')

),

final as (

    select
        platform,
        object_id,
        object_type,
        count(*) as observations,
        min(observed_at) as first_observed_at,
        max(observed_at) as last_observed_at

    from (select * from observations union all select * from channels)
    group by all

)

select * from final
