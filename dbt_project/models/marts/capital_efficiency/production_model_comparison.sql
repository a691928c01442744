with

films as (

    select * from {{ ref('film_capital_efficiency') }}

),

final as (

    select
        production_model,
        count(*) as films,
        median(production_budget_usd) as median_budget_usd,
        median(roi_multiple) as median_roi_multiple,
        -- Share among films whose break-even is known; null when none is.
        count(*) filter (where is_break_even)
        / nullif(count(is_break_even), 0)::double as break_even_share,
        sum(worldwide_gross_usd) as total_worldwide_gross_usd

    from films
    where production_model is not null
    group by production_model

)

select * from final
