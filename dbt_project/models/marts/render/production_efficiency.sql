with

films as (

    select film_id, production_model, production_budget_usd from {{ ref('stg_box_office__films') }}

),

capital_efficiency as (

    select film_id, worldwide_gross_usd from {{ ref('film_capital_efficiency') }}

),

render_costs as (

    select film_id, sum(render_cost_usd) as render_cost_usd
    from {{ ref('render_efficiency') }}
    group by film_id

),

final as (

    -- Column order is the published contract (CONTRACTS.md §5), not the style guide's.
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
        -- Social data (CONTRACTS.md §4 youtube, reddit) is not modelled yet.
        null::bigint as pre_release_views,
        null::double as gross_per_1k_pre_release_views

    from films
    left join capital_efficiency on films.film_id = capital_efficiency.film_id
    left join render_costs on films.film_id = render_costs.film_id

)

select * from final
