"""Render economics: cost per frame and per megapixel by shot, spend over time, against budget."""

from __future__ import annotations

from typing import Any

import dash
import plotly.express as px
import plotly.graph_objects as go
import polars as pl
from dash import html
from plotly.subplots import make_subplots

from pipelines.dashboard import components as ui
from pipelines.dashboard import data
from pipelines.dashboard import formatting as fmt

PATH = "/render"
TITLE = "Render"

SHOT_COLUMNS: list[ui.Column] = [
    ("shot", "Shot", None),
    ("frames_rendered", "Frames", fmt.count),
    ("frames_failed", "Failed", fmt.count),
    ("render_hours", "GPU-hours", fmt.hours),
    ("render_cost_usd", "Cost", fmt.money),
    ("cost_per_frame_usd", "Per frame", fmt.money),
    ("cost_per_megapixel_usd", "Per megapixel", fmt.money),
    ("failure_waste_share", "Failure waste", fmt.share),
    ("avg_gpu_utilization_pct", "GPU util. %", fmt.count),
]


def layout(snap: data.Snapshot) -> Any:
    shots = snap.mart("render_efficiency")
    if shots is None or shots.is_empty():
        return ui.note("No render-farm data has been published yet.")
    spend = shots.group_by("film_id").agg(pl.col("render_cost_usd").sum()).sort("render_cost_usd", descending=True)
    titles = ui.titles(snap)
    films = spend["film_id"].to_list()
    # Every film first, then one film shot by shot and day by day.
    return html.Div(
        [
            ui.graph(_share_of_budget(snap, titles), graph_id="render-budget-share", height=120 + 48 * len(films)),
            ui.film_picker("render", films, titles),
            html.Div(content(snap, films[0]), id="render-content"),
        ]
    )


def content(snap: data.Snapshot, film_id: str) -> list[Any]:
    shots_all = snap.mart("render_efficiency")
    assert shots_all is not None
    shots = shots_all.filter(pl.col("film_id") == film_id).sort("shot")
    if shots.is_empty():
        return [ui.note(f"No render data for {film_id} in this publish.")]
    efficiency = snap.mart("production_efficiency")
    film = efficiency.filter(pl.col("film_id") == film_id).to_dicts() if efficiency is not None else []
    budget_share = film[0]["render_cost_share_of_budget"] if film else None
    budget = film[0]["production_budget_usd"] if film else None
    cost, frames = float(shots["render_cost_usd"].sum()), int(shots["frames_rendered"].sum())
    gpu_hours = float(shots["render_hours"].sum())
    failed_hours = float((shots["render_hours"] * shots["failure_waste_share"]).sum())
    headline = ui.kpis(
        [
            ("Render spend", fmt.money(cost), f"of a {fmt.money(budget)} budget" if budget else "budget unknown"),
            ("Share of budget", fmt.share(budget_share), "render spend / production budget"),
            ("GPU-hours", fmt.hours(gpu_hours), f"{fmt.count(frames)} frames, {shots.height} shots"),
            ("Cost per frame", fmt.money(cost / frames if frames else None), "failed attempts included"),
            (
                "Failure waste",
                fmt.share(failed_hours / gpu_hours if gpu_hours else None),
                "GPU time spent on failed attempts",
            ),
        ],
        id_prefix="render-kpi",
    )
    return [
        headline,
        html.Div(
            [
                ui.graph(_by_shot(shots), graph_id="render-by-shot", height=380),
                ui.graph(_over_time(snap, film_id, budget), graph_id="render-over-time", height=380),
            ],
            className="grid-2",
        ),
        ui.table(shots.to_dicts(), SHOT_COLUMNS, table_id="render-table"),
    ]


def _by_shot(shots: pl.DataFrame) -> go.Figure:
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(
        go.Bar(
            x=shots["shot"].to_list(),
            y=shots["cost_per_frame_usd"].to_list(),
            name="cost per frame",
            marker_color=ui.ACCENT,
        )
    )
    figure.add_trace(
        go.Scatter(
            x=shots["shot"].to_list(),
            y=shots["cost_per_megapixel_usd"].to_list(),
            name="cost per megapixel",
            mode="markers",
            marker={"size": 9, "color": "#f6ae2d"},
        ),
        secondary_y=True,
    )
    figure.update_layout(title="Cost per frame and per megapixel, by shot")
    figure.update_yaxes(title_text="USD per frame", tickprefix="$", secondary_y=False)
    figure.update_yaxes(title_text="USD per megapixel", tickprefix="$", secondary_y=True, showgrid=False)
    return figure


def _over_time(snap: data.Snapshot, film_id: str, budget: float | None) -> go.Figure:
    daily_all = snap.mart("render_daily")
    daily = daily_all.filter(pl.col("film_id") == film_id).sort("date") if daily_all is not None else None
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.update_layout(title="Render spend over time")
    if daily is None or daily.is_empty():
        figure.add_annotation(
            text="no dated render data in this publish", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
        )
        return figure
    figure.add_trace(
        go.Bar(
            x=daily["date"].to_list(),
            y=daily["render_cost_usd"].to_list(),
            name="spend per day",
            marker_color="#86bbd8",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=daily["date"].to_list(),
            y=daily["cumulative_render_cost_usd"].to_list(),
            name="cumulative spend",
            mode="lines",
            line={"color": ui.ACCENT, "width": 3},
        ),
        secondary_y=True,
    )
    figure.update_yaxes(title_text="USD per day", tickprefix="$", secondary_y=False)
    title = "cumulative USD" + (f" (budget {fmt.money(budget)})" if budget else "")
    figure.update_yaxes(title_text=title, tickprefix="$", secondary_y=True, showgrid=False)
    return figure


def _share_of_budget(snap: data.Snapshot, titles: dict[str, str]) -> go.Figure:
    efficiency = snap.mart("production_efficiency")
    rendered = efficiency.filter(pl.col("render_cost_usd").is_not_null()) if efficiency is not None else pl.DataFrame()
    if rendered.is_empty():
        return go.Figure()
    rendered = rendered.with_columns(
        pl.col("film_id").replace_strict(titles, default=pl.col("film_id")).alias("film"),
        (pl.col("render_cost_share_of_budget") * 100).alias("share_pct"),
        pl.col("production_model").replace_strict(ui.MODEL_NAMES, default="unknown").alias("model"),
    ).sort("share_pct")
    figure = px.bar(
        rendered,
        x="share_pct",
        y="film",
        color="model",
        orientation="h",
        color_discrete_map={ui.MODEL_NAMES[k]: v for k, v in ui.MODEL_COLOURS.items()},
        hover_data={"render_cost_usd": ":$,.0f", "production_budget_usd": ":$,.0f"},
        labels={"share_pct": "Render spend, % of production budget", "film": "", "model": ""},
        title="Render spend against budget, every rendered film",
    )
    figure.update_xaxes(ticksuffix="%")
    return figure


def register(app: dash.Dash) -> None:
    ui.on_film_picked(app, "render", content)
