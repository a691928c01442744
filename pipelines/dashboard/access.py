"""Who may see the dashboard: anyone on loopback; beyond it, only with BACKLOT_DASHBOARD_TOKEN.

A browser is asked for the token with HTTP Basic authentication (any user name, the token
as the password), so an investor gets the browser's own sign-in prompt; a script may send
`Authorization: Bearer <token>` instead. Refusals are JSON, like the ingest API's.
"""

from __future__ import annotations

import ipaddress

import flask

from pipelines.lib.tokens import digest, matches

REALM = "backlot-dashboard"


class AccessError(Exception):
    """The dashboard must not start as configured."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_bind(host: str, token: str | None) -> None:
    if token is None and not is_loopback(host):
        raise AccessError(
            f"refusing to listen on {host} without a token: set BACKLOT_DASHBOARD_TOKEN "
            "(visitors then sign in with it as the password), or listen on 127.0.0.1"
        )


def require_token(server: flask.Flask, token: str) -> None:
    """Every request, pages and assets and callbacks alike, must carry the token."""
    expected = digest(token)

    @server.before_request
    def _authorize() -> flask.Response | None:
        credentials = flask.request.authorization
        given = None
        if credentials is not None:
            given = credentials.password if credentials.type == "basic" else credentials.token
        if matches(given, expected):
            return None
        detail = "sign in with BACKLOT_DASHBOARD_TOKEN as the password" if given is None else "wrong token"
        response = flask.jsonify(error="unauthorized", detail=detail)
        response.status_code = 401
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
        return response
