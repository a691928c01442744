"""The dashboard's shell: navigation, the publish picker, and the page it shows.

Every page shows one publish: the latest (following new publishes as they land), or an
earlier one picked from the list, as `backlot sql --as-of` would read it. The shell resolves
the picker to a publish id once; pages draw from `data.snapshot(publish_id)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
import flask
from dash import Input, Output, State, dcc, html
from werkzeug.exceptions import HTTPException

from pipelines.dashboard import access, data
from pipelines.dashboard import components as ui
from pipelines.dashboard.pages import PAGES
from pipelines.lib import query

LATEST = "latest"
REFRESH_SECONDS = 30  # how often an open page looks for a new publish


def create_app(token: str | None = None) -> dash.Dash:
    app = dash.Dash(
        __name__,
        title="Backlot · capital efficiency",
        assets_folder=str(Path(__file__).parent / "assets"),
        serve_locally=True,  # every script from the installed wheels: nothing is fetched from outside
        suppress_callback_exceptions=True,  # page controls exist only while their page is shown
        update_title="",  # no 'Updating...' in the tab while a callback runs
    )
    app.layout = _shell
    server: flask.Flask = app.server
    if token is not None:
        access.require_token(server, token)
    _json_errors(server)
    _refuse_malformed_callbacks(app)
    _register(app)
    for page in PAGES:
        page.register(app)
    return app


def _shell() -> html.Div:
    """The page frame, with the publish list read now: the first paint needs one request less."""
    options, publish_id, banner = _resolved(LATEST, None)
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Store(id="publish", data=publish_id),
            dcc.Interval(id="refresh", interval=REFRESH_SECONDS * 1000),
            html.Header(
                [
                    html.Div(
                        [html.Span("Backlot", className="brand"), html.Span("capital efficiency", className="tag")]
                    ),
                    html.Nav([dcc.Link(page.TITLE, href=page.PATH, className="nav-link") for page in PAGES]),
                    html.Div(
                        dcc.Dropdown(
                            id="publish-picker", options=options, value=LATEST, clearable=False, searchable=False
                        ),
                        className="picker",
                        title="Show the marts as an earlier publish left them",
                    ),
                ],
                className="header",
            ),
            html.Div(banner, id="publish-banner", className="banner"),
            html.Main(dcc.Loading(html.Div(id="page"), delay_show=400, type="dot"), className="main"),
        ]
    )


def _resolved(picked: Any, shown: Any) -> tuple[list[dict[str, Any]], Any, Any]:
    """The picker's options, the publish id to show (no_update when unchanged) and the banner."""
    try:
        known = data.publishes()
    except data.NothingPublished as why:
        return [{"label": "Nothing published", "value": LATEST}], None, ui.note(str(why), kind="warn")
    options = [{"label": f"Latest · publish {known[0].publish_id}", "value": LATEST}] + [
        {
            "label": p.label + ("" if p.readable else " · expired"),
            "value": str(p.publish_id),
            "disabled": not p.readable,
        }
        for p in known
    ]
    chosen = known[0] if picked == LATEST else next((p for p in known if str(p.publish_id) == str(picked)), None)
    if chosen is None or not chosen.readable:
        chosen = known[0]
    banner = [
        html.Span(f"Publish {chosen.publish_id}", id="banner-publish-id", className="banner-id"),
        html.Span(f" · published {chosen.published_at:%Y-%m-%d %H:%M:%S} UTC", id="banner-published-at"),
        html.Span(
            " · the latest" if chosen.latest else f" · an earlier publish (the latest is {known[0].publish_id})",
            className="banner-latest" if chosen.latest else "banner-earlier",
        ),
    ]
    return options, chosen.publish_id if chosen.publish_id != shown else dash.no_update, banner


def _register(app: dash.Dash) -> None:
    @app.callback(
        Output("publish-picker", "options"),
        Output("publish", "data"),
        Output("publish-banner", "children"),
        Input("refresh", "n_intervals"),
        Input("publish-picker", "value"),
        State("publish", "data"),
        prevent_initial_call=True,
    )
    def _resolve(_tick: int | None, picked: Any, shown: Any) -> tuple[Any, Any, Any]:
        return _resolved(picked, shown)

    @app.callback(Output("page", "children"), Input("url", "pathname"), Input("publish", "data"))
    def _page(path: str | None, publish_id: Any) -> Any:
        page = next((p for p in PAGES if (path or "/") == p.PATH), None)
        if page is None:
            return ui.note(f"There is no page at {path}.", kind="warn")
        if not isinstance(publish_id, int):
            return ui.note("Waiting for the first publish: run `backlot run` or `backlot demo`.", kind="warn")
        try:
            snap = data.snapshot(publish_id)
        except query.QueryError as error:
            return ui.note(str(error), kind="warn")
        return html.Div([html.H1(page.TITLE, className="page-title"), page.layout(snap)])


def warm() -> None:
    """Draw every page of the latest publish once, before the first visitor comes.

    The first drawing pays for reading the publish and for Plotly's first figure (its
    templates load then): about a second and a half that no visitor should wait for.
    """
    try:
        snap = data.snapshot(data.publishes()[0].publish_id)
        for page in PAGES:
            page.layout(snap)
    except (data.NothingPublished, query.QueryError):
        pass  # nothing to show yet: the pages say so


def _refuse_malformed_callbacks(app: dash.Dash) -> None:
    """A callback request that names no callback of this app, or not its inputs, is refused with 400.

    Dash dispatches whatever is posted to `_dash-update-component`: a body naming an unknown
    output, or inputs that are not a list of `{id, property, value}`, failed inside Dash with
    a KeyError or a TypeError, so a visitor's malformed request was a 500 and a traceback in
    the log. The browser only ever sends the callbacks and inputs the app declared.
    """
    route = f"{app.config.routes_pathname_prefix}_dash-update-component"

    @app.server.before_request
    def _check() -> tuple[flask.Response, int] | None:
        if flask.request.path != route or flask.request.method != "POST":
            return None
        problem = _malformed_callback(flask.request.get_json(silent=True), app.callback_map)
        if problem is None:
            return None
        return flask.jsonify(error="bad_request", detail=f"not a callback of this dashboard: {problem}"), 400


def _malformed_callback(body: Any, callbacks: dict[str, Any]) -> str | None:
    """What is wrong with a callback request's body, or None when it matches a declared callback."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "no callback has that output"
    declared = callbacks[output]
    for key in ("inputs", "state"):
        sent = body.get(key, [])
        expected = [(spec["id"], spec["property"]) for spec in declared[key]]
        if not isinstance(sent, list) or not all(isinstance(item, dict) for item in sent):
            return f"{key} is not a list of objects"
        if [(item.get("id"), item.get("property")) for item in sent] != expected:
            return f"{key} are not the callback's"
    outputs = body.get("outputs")
    if not (isinstance(outputs, dict) or (isinstance(outputs, list) and all(isinstance(o, dict) for o in outputs))):
        return "outputs is not an object or a list of objects"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds is not a list of strings"
    return None


def _json_errors(server: flask.Flask) -> None:
    """A refusal or a failure is a JSON body with its status, never an HTML traceback."""

    @server.errorhandler(dash.exceptions.DependencyException)
    def _no_such_script(error: Exception) -> tuple[flask.Response, int]:
        # Dash's answer to a script name it does not serve: a missing file, not a failure.
        return flask.jsonify(error="not_found", detail=str(error) or "no such script"), 404

    @server.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[flask.Response, int]:
        return flask.jsonify(error=(error.name or "error").lower().replace(" ", "_"), detail=error.description), (
            error.code or 500
        )

    @server.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[flask.Response, int]:
        server.logger.exception("dashboard request failed")
        return flask.jsonify(error="internal", detail=f"{type(error).__name__}: the dashboard could not answer"), 500
