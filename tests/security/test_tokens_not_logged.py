"""The tokens never reach a log: `backlot api` and `backlot dashboard` run as child processes, as
an operator runs them, and everything they print (stdout and stderr, the access log, warnings,
tracebacks) is read back after requests that were let in, refused, and that failed.

Each test first checks that the output holds the lines the requests must have produced
(an access-log line per request, a traceback for the failure), so an empty or lost log
cannot pass for a clean one.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
from pathlib import Path

import pytest

from tests.security.conftest import DASHBOARD_TOKEN, INGEST_TOKEN, Child, build_published_lake, start_backlot

CATALOG_CSV = b"film_id,title,release_date,production_budget_usd\nlevel-zero-2026,Level Zero,2026-07-10,1200000\n"


def _request(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _forms(token: str) -> list[str]:
    """The token as it could show up in a log: itself, its halves, in Basic authentication."""
    basic = base64.b64encode(f"user:{token}".encode()).decode()
    return [token, token[: len(token) // 2 + 4], token[len(token) // 2 - 4 :], basic]


def _port(child: Child) -> int:
    return int(child.base_url.rsplit(":", 1)[1])


def test_backlot_api_never_logs_the_ingest_token(home: Path) -> None:
    home.mkdir(parents=True)
    child = start_backlot(home, ["api"], env={"BACKLOT_INGEST_TOKEN": INGEST_TOKEN}, health="/healthz")
    port = _port(child)
    good = {"Authorization": f"Bearer {INGEST_TOKEN}"}
    try:
        answers = [
            # let in: landed, then the same content again (a duplicate)
            _request(port, "POST", "/v1/landing/films", {**good, "X-Backlot-Filename": "catalog.csv"}, CATALOG_CSV),
            _request(port, "POST", "/v1/landing/films", {**good, "X-Backlot-Filename": "again.csv"}, CATALOG_CSV),
            # refused for the token: wrong, extended, cut short, another scheme, no scheme
            _request(port, "POST", "/v1/landing/films", {"Authorization": f"Bearer {INGEST_TOKEN}x"}, CATALOG_CSV),
            _request(port, "POST", "/v1/landing/films", {"Authorization": f"Bearer {INGEST_TOKEN[:-1]}"}, b"x"),
            _request(port, "POST", "/v1/landing/films", {"Authorization": f"Basic {INGEST_TOKEN}"}, b"x"),
            _request(port, "POST", "/v1/landing/films", {"Authorization": INGEST_TOKEN}, b"x"),
            # let in, then refused for what was sent
            _request(port, "POST", "/v1/landing/netflix", good, CATALOG_CSV),
            _request(port, "POST", "/v1/landing/films", {**good, "X-Backlot-Filename": "../x.csv"}, CATALOG_CSV),
            _request(port, "POST", "/v1/landing/render_events", good, b"[1, 2]\n"),
            _request(port, "GET", "/v1/landing/films", good),
        ]
        # A request the HTTP server itself refuses, the token in it.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(
                f"POST /v1/landing/films HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {INGEST_TOKEN}\r\n".encode()
                + b"X-Backlot-Filename: a\x00b\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"
            )
            while conn.recv(65536):
                pass
        # A failure: landing/render_logs is a file, not a folder, so the delivery cannot be
        # written; the server logs the error with its traceback.
        (home / "landing" / "render_logs").parent.mkdir(parents=True, exist_ok=True)
        (home / "landing" / "render_logs").write_text("in the way\n")
        failed = _request(
            port, "POST", "/v1/landing/render_logs", {**good, "X-Backlot-Filename": "lz__sh010__n1__j1.log"}, b"log\n"
        )
    finally:
        output = child.stop()

    assert [status for status, _ in answers] == [202, 200, 401, 401, 401, 401, 404, 422, 422, 405]
    assert failed[0] == 500
    assert json.loads(failed[1])["error"] == "internal_error"
    # The log was captured: the request lines, the landing, the failure's traceback.
    assert output.count('"POST /v1/landing/films HTTP/1.1" 401') == 4, output
    assert "landed films/catalog.csv" in output
    assert "Invalid HTTP request received." in output
    assert "Traceback (most recent call last)" in output
    assert '"POST /v1/landing/render_logs HTTP/1.1" 500' in output
    for form in _forms(INGEST_TOKEN):
        assert form not in output, f"the ingest token is in the log:\n{output}"
    for _, body in [*answers, failed]:
        assert INGEST_TOKEN.encode() not in body


@pytest.mark.parametrize("as_bearer", [True, False], ids=["bearer", "basic"])
def test_backlot_dashboard_never_logs_its_token(home: Path, as_bearer: bool) -> None:
    from pipelines.settings import load_settings

    build_published_lake(load_settings())
    child = start_backlot(home, ["dashboard"], env={"BACKLOT_DASHBOARD_TOKEN": DASHBOARD_TOKEN})
    port = _port(child)

    def auth(token: str) -> dict[str, str]:
        if as_bearer:
            return {"Authorization": f"Bearer {token}"}
        return {"Authorization": "Basic " + base64.b64encode(f"investor:{token}".encode()).decode()}

    callback = json.dumps({"output": "no-such-output.children", "inputs": [], "changedPropIds": []}).encode()
    json_headers = {"Content-Type": "application/json"}
    try:
        answers = [
            _request(port, "GET", "/", auth(DASHBOARD_TOKEN)),
            _request(port, "GET", "/_dash-layout", auth(DASHBOARD_TOKEN)),
            _request(port, "GET", "/", auth(DASHBOARD_TOKEN + "x")),
            _request(port, "GET", "/", auth(DASHBOARD_TOKEN[:-1])),
            _request(port, "GET", "/", {}),
            _request(port, "GET", "/_dash-component-suites/dash/no-such-script.v1.js", auth(DASHBOARD_TOKEN)),
            _request(port, "POST", "/_dash-update-component", {**auth(DASHBOARD_TOKEN), **json_headers}, callback),
            _request(port, "POST", "/_dash-update-component", {**auth(DASHBOARD_TOKEN + "x"), **json_headers}, b"{"),
        ]
    finally:
        output = child.stop()

    assert [status for status, _ in answers] == [200, 200, 401, 401, 401, 404, 400, 401]
    assert "backlot dashboard: listening on" in output
    for form in _forms(DASHBOARD_TOKEN):
        assert form not in output, f"the dashboard token is in the log:\n{output}"
    for _, body in answers:
        assert DASHBOARD_TOKEN.encode() not in body
