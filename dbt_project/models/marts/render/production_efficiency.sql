with

films as (

    select film_id, production_model, production_budget_usd, release_date
    from {{ ref('int_films_deduplicated') }}

),

capital_efficiency as (

    select film_id, worldwide_gross_usd from {{ ref('film_capital_efficiency') }}

),

render_costs as (

    select film_id, sum(render_cost_usd) as render_cost_usd
    from {{ ref('render_efficiency') }}
    group by film_id

),

-- Each linked video's views at its last observation before the release day (UTC).
last_pre_release_views as (

    select observations.film_id, observations.object_id, observations.views
    from {{ ref('int_social_observations_linked') }} as observations
    inner join films on observations.film_id = films.film_id
    where observations.platform = 'youtube' and observations.observed_date < films.release_date
    qualify row_number() over (
        partition by observations.film_id, observations.object_id order by observations.observed_at desc
    ) = 1

),

pre_release as (

    select
        film_id,
        -- unknown when any video's count is unknown: a partial sum would pass for the whole
        case when count(views) = count(*) then sum(views) end::bigint as pre_release_views
    from last_pre_release_views
    group by film_id

),

final as (

    -- Column order is the published contract, not the style guide's.
    select
        films.film_id,
        films.production_model,
        films.production_budget_usd,
        render_costs.render_cost_usd,
        render_costs.render_cost_usd / nullif(films.production_budget_usd, 0)
            as render_cost_share_of_budget,
        capital_efficiency.worldwide_gross_usd,
        capital_efficiency.worldwide_gross_usd / nullif(render_costs.render_cost_usd, 0)
            as gross_per_render_dollar,
        pre_release.pre_release_views,
        capital_efficiency.worldwide_gross_usd / nullif(pre_release.pre_release_views / 1000.0, 0)
            as gross_per_1k_pre_release_views

    from films
    left join capital_efficiency on films.film_id = capital_efficiency.film_id
    left join render_costs on films.film_id = render_costs.film_id
    left join pre_release on films.film_id = pre_release.film_id

)

select * from final
