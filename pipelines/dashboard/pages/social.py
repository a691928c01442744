"""Social momentum against daily gross, for one film at a time."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
import polars as pl
from dash import html
from plotly.subplots import make_subplots

from pipelines.dashboard import components as ui
from pipelines.dashboard import data
from pipelines.dashboard import formatting as fmt

PATH = "/social"
TITLE = "Social"

WEEK_COLUMNS: list[ui.Column] = [
    ("date", "Week of", fmt.day),
    ("views", "YouTube views (end of week)", fmt.count),
    ("views_delta", "Views gained", fmt.count),
    ("reddit_comments", "Reddit comments (end of week)", fmt.count),
    ("domestic_gross_usd", "Domestic gross", fmt.money),
    ("worldwide_gross_usd", "Gross, all territories", fmt.money),
]


def layout(snap: data.Snapshot) -> Any:
    if snap.mart("film_capital_efficiency") is None:
        return ui.note("No film has been published yet.")
    films = data.social_films(snap.publish_id)
    if not films:
        return ui.note("No social observations linked to a film have been published yet.")
    titles = ui.titles(snap)
    return html.Div([ui.film_picker("social", films, titles), html.Div(content(snap, films[0]), id="social-content")])


def content(snap: data.Snapshot, film_id: str) -> list[Any]:
    momentum = data.social(snap.publish_id, film_id)
    grosses = data.daily_gross(snap.publish_id, film_id)
    youtube = momentum.filter(pl.col("platform") == "youtube").select("date", "views", "views_delta", "engagement_rate")
    reddit = momentum.filter(pl.col("platform") == "reddit").select("date", pl.col("comments").alias("reddit_comments"))
    days = (
        youtube.join(reddit, on="date", how="full", coalesce=True)
        .join(grosses, on="date", how="full", coalesce=True)
        .sort("date")
    )
    efficiency = snap.mart("production_efficiency")
    film = efficiency.filter(pl.col("film_id") == film_id).to_dicts() if efficiency is not None else []
    catalog = snap.mart("film_capital_efficiency")
    release = catalog.filter(pl.col("film_id") == film_id)["release_date"].to_list() if catalog is not None else []
    headline = ui.kpis(
        [
            (
                "Pre-release views",
                fmt.count(film[0]["pre_release_views"] if film else None),
                "YouTube, before release day",
            ),
            (
                "Gross per 1k views",
                fmt.money(film[0]["gross_per_1k_pre_release_views"] if film else None),
                "worldwide gross / pre-release views",
            ),
            ("Best day's views", fmt.count(youtube["views_delta"].max()), "views gained in one day"),
            ("Best day's gross", fmt.money(grosses["worldwide_gross_usd"].max()), "all territories"),
        ],
        id_prefix="social-kpi",
    )
    return [
        headline,
        ui.graph(_momentum(days, release[0] if release else None), graph_id="social-chart", height=440),
        ui.table(_weeks(days).to_dicts(), WEEK_COLUMNS, table_id="social-table"),
    ]


def _weeks(days: pl.DataFrame) -> pl.DataFrame:
    """The days by week (Monday first): counts as they stood at the week's end, flows summed."""
    return days.group_by_dynamic("date", every="1w").agg(
        pl.col("views").drop_nulls().last(),
        _known_sum("views_delta"),
        pl.col("reddit_comments").drop_nulls().last(),
        _known_sum("domestic_gross_usd"),
        _known_sum("worldwide_gross_usd"),
    )


def _known_sum(column: str) -> pl.Expr:
    """The sum, or null for a week with nothing known (Polars would say 0)."""
    return pl.when(pl.col(column).is_not_null().any()).then(pl.col(column).sum()).alias(column)


def _momentum(days: pl.DataFrame, release: Any) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    dates = days["date"].to_list()
    figure.add_trace(
        go.Bar(x=dates, y=days["views_delta"].to_list(), name="YouTube views gained", marker_color="#86bbd8")
    )
    figure.add_trace(
        go.Scatter(
            x=dates,
            y=days["worldwide_gross_usd"].to_list(),
            name="daily gross (all territories)",
            mode="lines+markers",
            line={"color": ui.ACCENT, "width": 3},
            connectgaps=False,
        ),
        secondary_y=True,
    )
    if release is not None:
        figure.add_vline(x=release, line={"dash": "dot", "color": "#c8553d"})
        figure.add_annotation(
            x=release, y=1.0, yref="paper", text="release", showarrow=False, font={"color": "#c8553d"}, xanchor="left"
        )
    figure.update_layout(title="Social momentum against daily gross", barmode="group")
    figure.update_yaxes(title_text="YouTube views gained per day", secondary_y=False)
    figure.update_yaxes(title_text="gross per day (USD)", tickprefix="$", secondary_y=True, showgrid=False)
    return figure


def register(app: dash.Dash) -> None:
    ui.on_film_picked(app, "social", content)
