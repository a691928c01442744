"""The pieces every page is made of: headline numbers, tables, charts and notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

import dash
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, dcc, html

from pipelines.dashboard import data
from pipelines.lib import query

# One colour per production model, on every chart.
MODEL_COLOURS = {"indie_digital": "#0f8b8d", "legacy_studio": "#c8553d"}
MODEL_NAMES = {"indie_digital": "Indie digital", "legacy_studio": "Legacy studio"}
ACCENT = "#2f4858"
GRAPH_CONFIG: Any = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def kpis(items: Sequence[tuple[str, str, str | None]], *, id_prefix: str) -> html.Div:
    """Headline numbers: (label, value, footnote); each value has an id tests and readers can find."""
    return html.Div(
        [
            html.Div(
                [
                    html.Div(label, className="kpi-label"),
                    html.Div(value, className="kpi-value", id=f"{id_prefix}-{index}"),
                    html.Div(note or "", className="kpi-note"),
                ],
                className="kpi",
            )
            for index, (label, value, note) in enumerate(items)
        ],
        className="kpis",
    )


Column = tuple[str, str, Callable[[Any], str] | None]  # (key, header, formatter; None for text)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, table_id: str) -> dcc.Markdown:
    """A plain HTML table, numbers right-aligned and formatted, sent as one component.

    Dash's renderer pays per component: a hundred rows as html.Td components took the browser
    seconds to draw, the same table as one piece of HTML takes milliseconds. Every value is
    escaped, so a title a producer sent is shown as text, never run as markup.
    """
    # Attributes quoted: Dash's Markdown drops a table with an unquoted one.
    numeric = ' class="num"'
    head = "".join(f"<th{numeric if fmt else ''}>{escape(header)}</th>" for _, header, fmt in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{numeric if fmt else ''}>{escape(fmt(row.get(key)) if fmt else str(row.get(key) or '–'))}</td>"
            for key, _, fmt in columns
        )
        + "</tr>"
        for row in rows
    )
    markup = f'<table id="{table_id}" class="data-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return dcc.Markdown(markup, dangerously_allow_html=True, className="table-holder")


def graph(figure: go.Figure, *, graph_id: str, height: int = 360) -> dcc.Graph:
    figure.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13},
        # The title on the first line, the legend on the second: they never overlap.
        title={"x": 0.01, "y": 0.98, "yanchor": "top", "font": {"size": 15}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
    )
    # The height is the container's: a responsive graph otherwise collapses inside a grid.
    return dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG, style={"height": f"{height}px"})


def note(text: str | list[Any], *, kind: str = "info") -> html.Div:
    return html.Div(text, className=f"note note-{kind}")


def model_name(model: str | None) -> str:
    return MODEL_NAMES.get(model or "", model or "unknown")


def titles(snap: data.Snapshot) -> dict[str, str]:
    films = snap.mart("film_capital_efficiency")
    return {} if films is None else film_labels(films)


def film_labels(films: pl.DataFrame) -> dict[str, str]:
    """film_id -> its title, with the release year where two films share a title (remakes)."""
    titles = films["title"].to_list()
    shared = {t for t in titles if titles.count(t) > 1}
    return {
        film_id: f"{title} ({released.year})" if title in shared and released else title
        for film_id, title, released in films.select("film_id", "title", "release_date").iter_rows()
    }


FilmContent = Callable[[data.Snapshot, str], list[Any]]


def film_picker(page: str, films: Sequence[str], labels: dict[str, str]) -> html.Div:
    """The page's film chooser (`<page>-film`), the first film chosen."""
    return html.Div(
        html.Label(
            [
                "Film",
                dcc.Dropdown(
                    id=f"{page}-film",
                    options=[{"label": labels.get(f, f), "value": f} for f in films],
                    value=films[0],
                    clearable=False,
                ),
            ],
            className="control control-wide",
        ),
        className="controls",
    )


def on_film_picked(app: dash.Dash, page: str, content: FilmContent) -> None:
    """Redraw `<page>-content` for the film chosen in `<page>-film`, from the publish shown."""

    @app.callback(
        Output(f"{page}-content", "children"),
        Input(f"{page}-film", "value"),
        State("publish", "data"),
        prevent_initial_call=True,
    )
    def _picked(film_id: Any, publish_id: Any) -> list[Any]:
        if not isinstance(publish_id, int) or not isinstance(film_id, str):
            raise dash.exceptions.PreventUpdate
        try:
            return content(data.snapshot(publish_id), film_id)
        except query.QueryError as error:
            # No such publish, or maintenance expired it meanwhile: said on the page, not a 500.
            return [note(str(error), kind="warn")]
