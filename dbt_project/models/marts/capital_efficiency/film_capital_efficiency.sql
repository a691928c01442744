{{
    config(
        materialized='incremental',
        incremental_strategy='replace_partitions',
        unique_key='film_id',
        partitions='int_box_office_affected_films',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('int_box_office_affected_films') }}

with

films as (

    select
        film_id,
        title,
        distributor,
        production_model,
        production_budget_usd,
        domestic_gross_usd as catalog_domestic_gross_usd,
        worldwide_gross_usd as catalog_worldwide_gross_usd,
        release_date
    from {{ ref('int_films_deduplicated') }}
    {% if is_incremental() %}
    -- A pass recomputes only the films whose chart rows or catalog record it touched.
    where film_id in (select film_id from {{ ref('int_box_office_affected_films') }})
    {% endif %}

),

-- The daily mart (winning reports only) rather than the intermediate view: one
-- computation of the deduplication per build, and the two marts always agree.
daily_grosses as (

    select * from {{ ref('box_office_daily') }}
    {% if is_incremental() %}
    where film_id in (select film_id from {{ ref('int_box_office_affected_films') }})
    {% endif %}

),

-- The opening weekend is the first Friday-Sunday on or after release (isodow 5 = Friday).
opening_weekends as (

    select
        film_id,
        release_date + ((5 - isodow(release_date) + 7) % 7)::integer as opening_friday
    from films

),

-- Only a complete weekend counts: with any of the three days unknown the opening is
-- unknown rather than understated.
opening_weekend_grosses as (

    select
        daily_grosses.film_id,
        case
            when count(daily_grosses.gross_usd) = 3 then sum(daily_grosses.gross_usd)
        end as opening_weekend_gross_usd
    from daily_grosses
    inner join opening_weekends
        on
            daily_grosses.film_id = opening_weekends.film_id
            and daily_grosses.date
            between opening_weekends.opening_friday and opening_weekends.opening_friday + 2
    where daily_grosses.territory = 'domestic'
    group by daily_grosses.film_id

),

daily_totals as (

    select
        film_id,
        sum(gross_usd) filter (where territory = 'domestic') as daily_domestic_gross_usd,
        sum(gross_usd) as daily_worldwide_gross_usd,
        bool_or(is_estimate) as has_estimates,
        max(date) filter (where territory = 'domestic') as last_domestic_date
    from daily_grosses
    group by film_id

),

-- The catalog's lifetime totals are used when the daily data is missing or smaller;
-- greatest() skips nulls, so worldwide falls back to domestic when unknown.
grosses as (

    select
        films.*,
        opening_weekend_grosses.opening_weekend_gross_usd,
        greatest(daily_totals.daily_domestic_gross_usd, films.catalog_domestic_gross_usd)
            as domestic_gross_usd,
        daily_totals.daily_worldwide_gross_usd,
        coalesce(daily_totals.has_estimates, false) as has_estimates,
        daily_totals.last_domestic_date
    from films
    left join opening_weekend_grosses on films.film_id = opening_weekend_grosses.film_id
    left join daily_totals on films.film_id = daily_totals.film_id

),

grosses_with_worldwide as (

    select
        *,
        greatest(
            catalog_worldwide_gross_usd, daily_worldwide_gross_usd, domestic_gross_usd
        ) as worldwide_gross_usd
    from grosses

),

ratios as (

    select
        *,
        worldwide_gross_usd / nullif(production_budget_usd, 0) as roi_multiple,
        opening_weekend_gross_usd / nullif(production_budget_usd, 0) as opening_to_budget_ratio,
        domestic_gross_usd / nullif(opening_weekend_gross_usd, 0) as legs_multiple
    from grosses_with_worldwide

),

final as (

    -- Column order is the published contract, not the style guide's.
    select
        film_id,
        title,
        release_date,
        distributor,
        production_model,
        production_budget_usd,
        opening_weekend_gross_usd,
        domestic_gross_usd,
        worldwide_gross_usd,
        roi_multiple,
        opening_to_budget_ratio,
        legs_multiple,
        roi_multiple >= {{ var('break_even_multiple') }} as is_break_even,
        last_domestic_date - release_date + 1 as days_in_release,
        has_estimates

    from ratios

)

select * from final
