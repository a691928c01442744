with

source as (

    select * from {{ source('raw', 'reddit') }}

),

final as (

    select
        -- Reddit ids and subreddit names are case-insensitive; `t3_` is the fullname prefix.
        {{ reddit_key('post_id') }} as post_id,
        {{ reddit_key('subreddit') }} as subreddit,
        title,
        score,
        num_comments,
        upvote_ratio,
        subreddit_subscribers,
        to_timestamp(created_utc) as created_at,
        observed_at,
        {{ utc_date('observed_at') }} as observed_date,
        permalink,
        _file_name,
        _loaded_at

    from source

)

select * from final
