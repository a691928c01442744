-- film_capital_efficiency promises one row per film in the catalog: none may go missing.
select films.film_id
from {{ ref('stg_box_office__films') }} as films
left join {{ ref('film_capital_efficiency') }} as marts
    on films.film_id = marts.film_id
where marts.film_id is null
