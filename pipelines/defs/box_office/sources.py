"""The box-office landing sources: the film catalog and the daily charts."""

from __future__ import annotations

from datetime import timedelta

from pipelines.lib.loading import Column, RowRule, SourceSpec

FILMS = SourceSpec(
    name="films",
    formats=("csv", "json", "jsonl"),
    columns=(
        Column("film_id"),
        Column("title", required=True),
        Column("release_date", "date", required=True),
        Column("production_budget_usd", "number", required=True),
        Column("distributor"),
        Column("genre"),
        Column("production_model"),
        Column("domestic_gross_usd", "number"),
        Column("worldwide_gross_usd", "number"),
    ),
    # A film without an id is known by the slug of its title and release year.
    derived={"film_id": "coalesce(film_id, slug(title) || '-' || year(release_date))"},
    expected_every=timedelta(days=8),  # the catalog is re-exported about weekly
)

# `title_key` is the same SQL as dbt's macro of that name (a test holds them equal): case- and
# punctuation-insensitive.
_KNOWN_FILM = (
    "film_id IS NOT NULL AND film_id NOT IN (SELECT film_id FROM raw.films)",
    "film_id IS NULL AND title IS NOT NULL AND title_key(title) NOT IN (SELECT title_key(title) FROM raw.films)",
)

BOX_OFFICE_DAILY = SourceSpec(
    name="box_office_daily",
    formats=("csv",),
    columns=(
        Column("date", "date", required=True),
        Column("title", required=True),
        Column("gross_usd", "number", required=True),
        Column("theaters", "integer", required=True),
        Column("film_id"),
        Column("distributor"),
        Column("rank", "integer"),
        Column("territory", default="'domestic'"),
        Column("is_estimate", "boolean", default="false"),
        Column("reported_at", "timestamp"),
    ),
    derived={"territory": "lower(territory)"},
    depends_on=("films",),
    expected_every=timedelta(hours=36),  # a chart a day, and slack for a late one
    rules=(
        RowRule(
            _KNOWN_FILM[0], "'unknown film: no film_id ''' || film_id || ''' in the films catalog'", reads=("film_id",)
        ),
        RowRule(
            _KNOWN_FILM[1],
            "'unknown film: no title matching ''' || title || ''' in the films catalog "
            "(load the film first, or give its film_id)'",
            reads=("film_id", "title"),
        ),
    ),
)
