with

daily_grosses as (

    select * from {{ ref('int_daily_grosses_deduplicated') }}

),

films as (

    select film_key, release_date from {{ ref('stg_box_office__films') }}

),

final as (

    -- Column order is the published contract (CONTRACTS.md §5), not the style guide's.
    select
        daily_grosses.film_id,
        daily_grosses.territory,
        daily_grosses.date,
        daily_grosses.gross_usd,
        daily_grosses.theaters,
        daily_grosses.gross_usd / nullif(daily_grosses.theaters, 0) as per_theater_avg_usd,
        -- sum() skips unknown days: they add nothing but the running total carries on
        -- (and stays null until the first known day, rather than a made-up 0).
        sum(daily_grosses.gross_usd) over (
            partition by daily_grosses.film_key, daily_grosses.territory
            order by daily_grosses.date
            rows between unbounded preceding and current row
        ) as cumulative_gross_usd,
        daily_grosses.date - films.release_date + 1 as day_in_release,
        daily_grosses.is_estimate

    from daily_grosses
    left join films on daily_grosses.film_key = films.film_key

)

select * from final
