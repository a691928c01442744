"""Indie digital against legacy studio: budget, ROI, break-even share and opening-to-budget."""

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

PATH = "/models"
TITLE = "Indie vs studio"

COLUMNS: list[ui.Column] = [
    ("model", "Model", None),
    ("films", "Films", fmt.count),
    ("median_budget_usd", "Median budget", fmt.money),
    ("median_roi_multiple", "Median ROI", fmt.multiple),
    ("break_even_share", "Break-even share", fmt.share),
    ("median_opening_to_budget", "Median opening / budget", fmt.multiple),
    ("total_worldwide_gross_usd", "Worldwide gross", fmt.money),
]


def layout(snap: data.Snapshot) -> Any:
    comparison, films = snap.mart("production_model_comparison"), snap.mart("film_capital_efficiency")
    if comparison is None or films is None or comparison.is_empty():
        return ui.note("No production-model comparison has been published yet.")
    openings = films.group_by("production_model").agg(
        pl.col("opening_to_budget_ratio").median().alias("median_opening_to_budget")
    )
    by_model = comparison.join(openings, on="production_model", how="left").sort("production_model")
    rows = {row["production_model"]: row for row in by_model.to_dicts()}
    cards = [
        html.Div(
            [
                html.H3(ui.model_name(model), style={"color": ui.MODEL_COLOURS.get(model, ui.ACCENT)}),
                ui.kpis(
                    [
                        ("Median budget", fmt.money(row["median_budget_usd"]), f"{row['films']} films"),
                        ("Median ROI", fmt.multiple(row["median_roi_multiple"]), "worldwide gross / budget"),
                        ("Break-even share", fmt.share(row["break_even_share"]), "films past break-even"),
                        ("Opening / budget", fmt.multiple(row["median_opening_to_budget"]), "median"),
                    ],
                    id_prefix=f"models-{model}",
                ),
            ],
            className="model-card",
        )
        for model, row in rows.items()
    ]
    return html.Div(
        [
            html.Div(cards, className="model-cards"),
            html.Div(
                [
                    ui.graph(_budget_against_gross(films), graph_id="models-scatter", height=420),
                    ui.graph(_medians(by_model), graph_id="models-medians", height=420),
                ],
                className="grid-2",
            ),
            ui.graph(_opening_spread(films), graph_id="models-openings", height=320),
            ui.table(
                [{**row, "model": ui.model_name(row["production_model"])} for row in rows.values()],
                COLUMNS,
                table_id="models-table",
            ),
        ]
    )


def _labelled(films: pl.DataFrame) -> pl.DataFrame:
    return films.with_columns(
        pl.col("production_model").replace_strict(ui.MODEL_NAMES, default="unknown").alias("model")
    )


def _colours() -> dict[str, str]:
    return {ui.MODEL_NAMES[k]: v for k, v in ui.MODEL_COLOURS.items()}


def _budget_against_gross(films: pl.DataFrame) -> go.Figure:
    known = _labelled(films).filter(
        pl.col("production_budget_usd").is_not_null()
        & (pl.col("production_budget_usd") > 0)
        & pl.col("worldwide_gross_usd").is_not_null()
        & (pl.col("worldwide_gross_usd") > 0)
    )
    figure = px.scatter(
        known,
        x="production_budget_usd",
        y="worldwide_gross_usd",
        color="model",
        hover_name="title",
        log_x=True,
        log_y=True,
        color_discrete_map=_colours(),
        labels={
            "production_budget_usd": "Budget (USD, log)",
            "worldwide_gross_usd": "Worldwide gross (USD, log)",
            "model": "",
        },
        title="Budget against worldwide gross (above the line: money made)",
    )
    figure.update_traces(marker={"size": 11, "line": {"width": 1, "color": "white"}})
    if not known.is_empty():
        budgets = known["production_budget_usd"].to_list()
        low, high = min(budgets) / 1.5, max(budgets) * 1.5
        figure.add_trace(
            go.Scatter(
                x=[low, high],
                y=[low, high],
                mode="lines",
                name="gross = budget",
                line={"dash": "dot", "color": "#888"},
                hoverinfo="skip",
            )
        )
    return figure


def _medians(by_model: pl.DataFrame) -> go.Figure:
    labelled = _labelled(by_model)
    models, colours = (
        labelled["model"].to_list(),
        [ui.MODEL_COLOURS.get(m, ui.ACCENT) for m in labelled["production_model"]],
    )
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Median ROI", "Break-even share"), horizontal_spacing=0.12)
    roi = labelled["median_roi_multiple"].to_list()
    figure.add_trace(
        go.Bar(x=models, y=roi, text=[fmt.multiple(v) for v in roi], textposition="outside", marker_color=colours),
        row=1,
        col=1,
    )
    shares = labelled["break_even_share"].to_list()
    figure.add_trace(
        go.Bar(
            x=models,
            y=[None if v is None else v * 100 for v in shares],
            text=[fmt.share(v) for v in shares],
            textposition="outside",
            marker_color=colours,
        ),
        row=1,
        col=2,
    )
    figure.update_yaxes(ticksuffix="×", row=1, col=1)
    figure.update_yaxes(ticksuffix="%", range=[0, 110], row=1, col=2)
    figure.update_layout(title="Return and break-even by production model", showlegend=False)
    return figure


def _opening_spread(films: pl.DataFrame) -> go.Figure:
    figure = px.strip(
        _labelled(films).filter(pl.col("opening_to_budget_ratio").is_not_null()),
        x="opening_to_budget_ratio",
        y="model",
        color="model",
        hover_name="title",
        color_discrete_map=_colours(),
        labels={"opening_to_budget_ratio": "Opening weekend / budget", "model": ""},
        title="Opening weekend as a multiple of budget, film by film",
    )
    figure.update_traces(marker={"size": 12})
    figure.update_layout(showlegend=False)
    return figure


def register(app: dash.Dash) -> None:
    """The page has no controls of its own: the publish picker redraws it."""
