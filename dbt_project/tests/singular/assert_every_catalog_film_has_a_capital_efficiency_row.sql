-- film_capital_efficiency promises one row per film in the catalog: none may go missing.
select films.film_id
from {{ ref('int_films_deduplicated') }} as films
left join {{ ref('film_capital_efficiency') }} as marts
    on films.film_id = marts.film_id
where marts.film_id is null
