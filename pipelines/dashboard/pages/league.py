"""Capital-efficiency league table: every film ranked, filtered by model, distributor and year."""

from __future__ import annotations

from typing import Any

import dash
import plotly.express as px
import polars as pl
from dash import Input, Output, State, dcc, html

from pipelines.dashboard import components as ui
from pipelines.dashboard import data
from pipelines.dashboard import formatting as fmt
from pipelines.lib import query

PATH = "/"
TITLE = "League table"

SORTS = {
    "roi_multiple": "ROI multiple",
    "worldwide_gross_usd": "Worldwide gross",
    "production_budget_usd": "Budget",
    "opening_to_budget_ratio": "Opening to budget",
    "legs_multiple": "Legs",
    "release_date": "Release date",
}
COLUMNS: list[ui.Column] = [
    ("rank", "#", fmt.count),
    ("title", "Film", None),
    ("model", "Model", None),
    ("distributor", "Distributor", None),
    ("release_date", "Release", fmt.day),
    ("production_budget_usd", "Budget", fmt.money),
    ("opening_weekend_gross_usd", "Opening weekend", fmt.money),
    ("worldwide_gross_usd", "Worldwide", fmt.money),
    ("roi_multiple", "ROI", fmt.multiple),
    ("opening_to_budget_ratio", "Opening / budget", fmt.multiple),
    ("legs_multiple", "Legs", fmt.multiple),
    ("break_even", "Break-even", None),
]
CHART_FILMS = 20
# A page holds the first rows in the chosen order; a catalog of thousands reads better filtered.
TABLE_FILMS = 100


def layout(snap: data.Snapshot) -> Any:
    films = snap.mart("film_capital_efficiency")
    if films is None or films.is_empty():
        return ui.note("No film has been published yet.")
    options = {
        "model": sorted({m for m in films["production_model"].to_list() if m}),
        "distributor": sorted({d for d in films["distributor"].to_list() if d}),
        "year": sorted({d.year for d in films["release_date"].to_list() if d}, reverse=True),
    }
    controls = html.Div(
        [
            _filter(
                "Production model", "league-model", [{"label": ui.model_name(m), "value": m} for m in options["model"]]
            ),
            _filter("Distributor", "league-distributor", options["distributor"]),
            _filter("Release year", "league-year", options["year"]),
            html.Label(
                [
                    "Sort by",
                    dcc.Dropdown(
                        id="league-sort",
                        options=[{"label": label, "value": key} for key, label in SORTS.items()],
                        value="roi_multiple",
                        clearable=False,
                        searchable=False,
                    ),
                ],
                className="control",
            ),
            html.Label(
                [
                    "Order",
                    dcc.RadioItems(
                        id="league-order",
                        options=[
                            {"label": "highest first", "value": "desc"},
                            {"label": "lowest first", "value": "asc"},
                        ],
                        value="desc",
                        inline=True,
                    ),
                ],
                className="control",
            ),
        ],
        className="controls",
    )
    return html.Div([controls, html.Div(content(snap), id="league-content")])


def _filter(label: str, control_id: str, options: list[Any]) -> html.Label:
    return html.Label(
        [label, dcc.Dropdown(id=control_id, options=options, value=[], multi=True, placeholder="all")],
        className="control",
    )


def content(
    snap: data.Snapshot,
    *,
    models: list[str] | None = None,
    distributors: list[str] | None = None,
    years: list[int] | None = None,
    sort: str = "roi_multiple",
    order: str = "desc",
) -> list[Any]:
    films = snap.mart("film_capital_efficiency")
    assert films is not None
    chosen = films
    if models:
        chosen = chosen.filter(pl.col("production_model").is_in(models))
    if distributors:
        chosen = chosen.filter(pl.col("distributor").is_in(distributors))
    if years:
        chosen = chosen.filter(pl.col("release_date").dt.year().is_in(years))
    if sort not in SORTS:
        sort = "roi_multiple"
    chosen = chosen.sort(sort, descending=order != "asc", nulls_last=True)
    if chosen.is_empty():
        return [ui.note("No film matches these filters.")]
    labels = ui.film_labels(films)
    known_break_even = chosen["is_break_even"].drop_nulls()
    headline = ui.kpis(
        [
            ("Films", fmt.count(chosen.height), f"of {films.height} in the catalog"),
            ("Median ROI", fmt.multiple(chosen["roi_multiple"].median()), "worldwide gross / budget"),
            (
                "Break-even share",
                fmt.share(known_break_even.mean() if len(known_break_even) else None),
                f"{int(known_break_even.sum())} of {len(known_break_even)} with a known ROI",
            ),
            ("Worldwide gross", fmt.money(chosen["worldwide_gross_usd"].sum()), "sum over these films"),
        ],
        id_prefix="league-kpi",
    )
    rows = [
        {
            **film,
            "rank": rank,
            "title": labels[film["film_id"]],
            "model": ui.model_name(film["production_model"]),
            "break_even": fmt.yes_no(film["is_break_even"]),
        }
        for rank, film in enumerate(chosen.head(TABLE_FILMS).to_dicts(), 1)
    ]
    top = chosen.head(CHART_FILMS).with_columns(
        pl.col("production_model").replace_strict(ui.MODEL_NAMES, default="unknown").alias("model"),
        pl.col("film_id").replace_strict(labels).alias("film"),
    )
    figure = px.bar(
        top.reverse(),
        x="roi_multiple",
        y="film",
        color="model",
        orientation="h",
        color_discrete_map={ui.MODEL_NAMES[k]: v for k, v in ui.MODEL_COLOURS.items()},
        labels={"roi_multiple": "ROI (worldwide gross / budget)", "film": "", "model": ""},
        hover_data={"production_budget_usd": ":$,.0f", "worldwide_gross_usd": ":$,.0f"},
        title=f"ROI multiple: {'the first' if chosen.height > CHART_FILMS else 'all'} {top.height} films, "
        f"sorted by {SORTS[sort]}",
    )
    figure.update_layout(yaxis={"categoryorder": "array", "categoryarray": top.reverse()["film"].to_list()})
    return [
        headline,
        ui.graph(figure, graph_id="league-chart", height=max(300, 26 * top.height + 90)),
        ui.table(rows, COLUMNS, table_id="league-table"),
        *(
            [ui.note(f"The first {TABLE_FILMS} of {chosen.height} films; filter or sort to see others.")]
            if chosen.height > TABLE_FILMS
            else []
        ),
    ]


def register(app: dash.Dash) -> None:
    @app.callback(
        Output("league-content", "children"),
        Input("league-model", "value"),
        Input("league-distributor", "value"),
        Input("league-year", "value"),
        Input("league-sort", "value"),
        Input("league-order", "value"),
        State("publish", "data"),
        prevent_initial_call=True,
    )
    def _filtered(  # noqa: PLR0917 - Dash passes one positional argument per input
        models: list[str] | None,
        distributors: list[str] | None,
        years: list[int] | None,
        sort: str | None,
        order: str | None,
        publish_id: int | None,
    ) -> list[Any]:
        if not isinstance(publish_id, int):
            raise dash.exceptions.PreventUpdate
        try:
            snap = data.snapshot(publish_id)
        except query.QueryError as error:
            # No such publish (any more): said on the page, as the shell says it, not a 500.
            return [ui.note(str(error), kind="warn")]
        return content(
            snap,
            models=_strings(models),
            distributors=_strings(distributors),
            years=_years(years),
            sort=str(sort),
            order=str(order),
        )


# What a browser sends for a control is the request's to choose: a filter that is not a list
# (a number, true) is no filter, rather than a TypeError and a 500.


def _strings(values: Any) -> list[str]:
    return [str(v) for v in _listed(values)]


def _years(values: Any) -> list[int]:
    """The years a browser sent that can be years: up to four ASCII digits; anything else is ignored.

    `str.isdigit()` alone let through what `int()` refuses ('²', or a digit string over
    Python's 4,300-digit limit): a 500 for one odd value in the request.
    """
    texts = [str(v) for v in _listed(values) if isinstance(v, int | str) and not isinstance(v, bool)]
    return [int(t) for t in texts if t.isascii() and t.isdigit() and len(t) <= 4]


def _listed(values: Any) -> list[Any]:
    return values if isinstance(values, list) else []
