-- Worldwide includes domestic: a smaller worldwide figure means the fallback broke.
select film_id, domestic_gross_usd, worldwide_gross_usd
from {{ ref('film_capital_efficiency') }}
where worldwide_gross_usd < domestic_gross_usd
