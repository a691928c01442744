"""The ingest API over real HTTP: uvicorn on a free loopback port, a temporary BACKLOT_HOME, stdlib requests."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from pipelines import cli
from pipelines.api import app as api_app
from pipelines.api.app import NoToken, create_app
from pipelines.defs.box_office.sources import FILMS
from pipelines.lib import landing
from pipelines.settings import load_settings

TOKEN = "test-token-3f9a1c"
CATALOG_CSV = b"film_id,title,release_date,production_budget_usd\nlevel-zero-2026,Level Zero,2026-07-10,1200000\n"
EVENTS_JSONL = b'{"event_id": "e1", "event_type": "job_started", "ts": "2026-06-02T10:00:00Z", "job_id": "j1"}\n'
YOUTUBE_RESPONSE = b'{"kind": "youtube#videoListResponse", "items": []}'
DEADLINE = 10.0  # seconds: the longest any test waits for the server


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: http.client.HTTPMessage


class Api:
    """Requests to one running server, with the token unless told otherwise."""

    def __init__(self, port: int, home: Path) -> None:
        self.port = port
        self.home = home

    def request(
        self, method: str, path: str, body: bytes | Iterable[bytes] | None = None, headers: dict[str, Any] | None = None
    ) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return Answer(response.status, json.loads(data) if data else {}, response.headers)
        finally:
            conn.close()

    def post(
        self,
        source: str,
        body: bytes | Iterable[bytes],
        *,
        name: str | bytes | None = None,
        token: str | None = TOKEN,
        headers: dict[str, Any] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if token is not None:
            sent.setdefault("Authorization", f"Bearer {token}")
        if name is not None:
            sent["X-Backlot-Filename"] = name
        return self.request("POST", f"/v1/landing/{source}", body, sent)

    def landed(self, source: str) -> dict[str, bytes]:
        """Every file in landing/<source>/ (temp files included: none may be left), name -> bytes."""
        folder = self.home / "landing" / source
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}

    def all_files(self) -> list[Path]:
        return sorted(p for p in self.home.rglob("*") if p.is_file()) if self.home.is_dir() else []


@pytest.fixture
def serve(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Api]]:
    """Start the API in a background thread on a free 127.0.0.1 port; `serve(KEY=value)` sets settings first."""
    running: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def start(*, token: str | None = TOKEN, insecure_no_auth: bool = False, **env: str) -> Api:
        if token is None:
            monkeypatch.delenv("BACKLOT_INGEST_TOKEN", raising=False)
        else:
            monkeypatch.setenv("BACKLOT_INGEST_TOKEN", token)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        # log_config=None: leave the test process's logging alone (and let caplog see the records).
        app = create_app(load_settings(), insecure_no_auth=insecure_no_auth)
        config = uvicorn.Config(app, log_config=None, lifespan="off", log_level="info")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread, sock))
        api = Api(sock.getsockname()[1], home)
        deadline = time.monotonic() + DEADLINE
        while not server.started:
            assert time.monotonic() < deadline, "the API did not start"
            assert thread.is_alive(), "the API thread died"
            time.sleep(0.02)
        assert api.request("GET", "/healthz").status == 200
        return api

    yield start
    for server, thread, sock in running:
        server.should_exit = True
        thread.join(DEADLINE)
        sock.close()
        assert not thread.is_alive(), "the API did not stop"


@pytest.fixture
def api(serve: Callable[..., Api]) -> Api:
    return serve()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _assert_error(answer: Answer, status: int, error: str) -> None:
    assert answer.status == status, answer.body
    assert set(answer.body) == {"error", "detail"}
    assert answer.body["error"] == error, answer.body
    assert "Traceback" not in answer.body["detail"]


# --- landing -----------------------------------------------------------------------------------------


def test_a_delivery_lands_durably_under_its_name_with_exact_bytes(api: Api) -> None:
    answer = api.post("films", CATALOG_CSV, name="catalog.csv")

    assert answer.status == 202
    assert answer.body == {
        "sha256": _sha(CATALOG_CSV),
        "duplicate": False,
        "source": "films",
        "file_name": "catalog.csv",
    }
    assert api.landed("films") == {"catalog.csv": CATALOG_CSV}  # no temp file beside it


def test_a_body_without_a_name_is_named_by_its_content(api: Api) -> None:
    answer = api.post("render_events", EVENTS_JSONL)

    assert answer.status == 202
    assert answer.body["file_name"] == f"{_sha(EVENTS_JSONL)[:16]}.jsonl"
    assert api.landed("render_events") == {answer.body["file_name"]: EVENTS_JSONL}


@pytest.mark.parametrize(
    ("content_type", "body", "extension"),
    [
        ("text/csv; charset=utf-8", CATALOG_CSV, "csv"),
        ("application/json", b'[{"title": "A", "release_date": "2026-01-01", "production_budget_usd": 1}]', "json"),
        (
            "application/x-ndjson",
            b'{"title": "A", "release_date": "2026-01-01", "production_budget_usd": 1}\n',
            "jsonl",
        ),
    ],
)
def test_films_without_a_name_takes_its_format_from_the_content_type(
    api: Api, content_type: str, body: bytes, extension: str
) -> None:
    answer = api.post("films", body, headers={"Content-Type": content_type})

    assert answer.status == 202, answer.body
    assert answer.body["file_name"] == f"{_sha(body)[:16]}.{extension}"


@pytest.mark.parametrize("content_type", [None, "application/octet-stream", "application/x-www-form-urlencoded"])
def test_films_without_a_name_or_a_known_content_type_is_415(api: Api, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = api.post("films", CATALOG_CSV, headers=headers)

    _assert_error(answer, 415, "unsupported_format")
    assert "X-Backlot-Filename" in answer.body["detail"]
    assert api.landed("films") == {}


def test_a_name_may_be_any_utf8_text(api: Api) -> None:
    name = "catalogue_été_2026.csv"
    answer = api.post("films", CATALOG_CSV, name=name.encode())

    assert answer.status == 202, answer.body
    assert api.landed("films") == {name: CATALOG_CSV}


# --- duplicates --------------------------------------------------------------------------------------


def test_the_same_content_again_is_a_duplicate_and_nothing_is_written(api: Api) -> None:
    assert api.post("films", CATALOG_CSV, name="catalog.csv").status == 202

    again = api.post("films", CATALOG_CSV, name="catalog_resent.csv")

    assert again.status == 200
    assert again.body == {"sha256": _sha(CATALOG_CSV), "duplicate": True, "source": "films", "file_name": "catalog.csv"}
    assert api.landed("films") == {"catalog.csv": CATALOG_CSV}


def test_content_queued_by_a_running_batch_is_a_duplicate(api: Api) -> None:
    source_dir = api.home / "landing" / "films"
    landing.deliver(source_dir, "catalog.csv", CATALOG_CSV)
    with landing.claim(source_dir):  # the batch holds it in .queue/ (and fails: it stays there)
        pass

    answer = api.post("films", CATALOG_CSV, headers={"Content-Type": "text/csv"})

    assert (answer.status, answer.body["duplicate"], answer.body["file_name"]) == (200, True, "catalog.csv")
    assert [p.name for p in landing.waiting_paths(source_dir)] == ["catalog.csv"]


def test_content_already_loaded_is_a_duplicate(api: Api, lake: Any) -> None:
    report = lake.load(FILMS, ("catalog_0601.csv", CATALOG_CSV))
    assert [f.status for f in report.files] == ["loaded"]

    answer = api.post("films", CATALOG_CSV, name="catalog_0602.csv")

    assert answer.status == 200
    assert answer.body["duplicate"] is True
    assert answer.body["file_name"] == "catalog_0601.csv"  # as meta.loads recorded it
    assert landing.waiting_paths(api.home / "landing" / "films") == []


def test_content_loaded_after_the_api_last_looked_is_a_duplicate(api: Api, lake: Any) -> None:
    """The API keeps what meta.loads recorded until the catalog changes: a load in between is seen."""
    assert api.post("films", CATALOG_CSV, name="catalog.csv").status == 202  # the lookup is now cached
    assert [f.status for f in lake.load(FILMS).files] == ["loaded"]

    answer = api.post("films", CATALOG_CSV, name="catalog_again.csv")

    assert (answer.status, answer.body["duplicate"], answer.body["file_name"]) == (200, True, "catalog.csv")
    assert landing.waiting_paths(api.home / "landing" / "films") == []


def test_two_identical_bodies_sent_at_once_land_once(api: Api) -> None:
    start = threading.Barrier(2, timeout=DEADLINE)
    answers: list[Answer] = []

    def send() -> None:
        start.wait()
        answers.append(api.post("render_events", EVENTS_JSONL))

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(DEADLINE)

    assert sorted(answer.status for answer in answers) == [200, 202]
    assert list(api.landed("render_events").values()) == [EVENTS_JSONL]


def test_a_different_body_under_a_waiting_name_keeps_both(api: Api) -> None:
    corrected = CATALOG_CSV.replace(b"1200000", b"1300000")

    assert api.post("films", CATALOG_CSV, name="catalog.csv").status == 202
    assert api.post("films", corrected, name="catalog.csv").status == 202

    waiting = landing.waiting_paths(api.home / "landing" / "films")
    assert [(p.name, p.read_bytes()) for p in waiting] == [("catalog.csv", CATALOG_CSV), ("catalog.csv", corrected)]


def test_a_landed_body_is_loaded_by_the_pipeline(api: Api, lake: Any) -> None:
    assert api.post("films", CATALOG_CSV, name="catalog.csv").status == 202

    report = lake.load(FILMS)  # loading.load_pending over landing/films/, as a run does

    assert [(f.file.name, f.status, f.rows_loaded) for f in report.files] == [("catalog.csv", "loaded", 1)]
    assert lake.rows("SELECT film_id, _file_sha256 FROM raw.films") == [
        {"film_id": "level-zero-2026", "_file_sha256": _sha(CATALOG_CSV)}
    ]


# --- authentication ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN[:-1]}"],
    ids=["none", "wrong", "empty", "basic-scheme", "no-scheme", "prefix"],
)
def test_a_missing_or_wrong_token_is_401_and_nothing_lands(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    answer = api.post("films", CATALOG_CSV, name="catalog.csv", token=None, headers=headers)

    _assert_error(answer, 401, "unauthorized")
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert TOKEN not in json.dumps(answer.body)
    assert api.landed("films") == {}


def test_the_bearer_scheme_is_case_insensitive(api: Api) -> None:
    answer = api.post(
        "films", CATALOG_CSV, name="catalog.csv", token=None, headers={"Authorization": f"bearer {TOKEN}"}
    )

    assert answer.status == 202


def test_the_token_is_never_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    api.post("films", CATALOG_CSV, name="catalog.csv")
    api.post("films", CATALOG_CSV, name="catalog.csv", token=f"{TOKEN}-wrong")
    api.post("nope", CATALOG_CSV, name="catalog.csv")

    assert any("landed films/catalog.csv" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if TOKEN in r.getMessage() or TOKEN in str(r.args)]


def test_the_api_refuses_to_start_without_a_token(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BACKLOT_INGEST_TOKEN", raising=False)

    assert cli.main(["api"]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "BACKLOT_INGEST_TOKEN" in err
    assert "--insecure-no-auth" in err
    with pytest.raises(NoToken):
        create_app(load_settings())


def test_backlot_api_listens_on_loopback_and_stops_cleanly(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOT_INGEST_TOKEN", TOKEN)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "pipelines.cli", "api", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        api = Api(port, home)
        deadline = time.monotonic() + 6 * DEADLINE  # a fresh interpreter imports the sources first
        while True:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "backlot api did not answer"
            try:
                if api.request("GET", "/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        assert api.post("films", CATALOG_CSV, name="catalog.csv").status == 202
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()

    assert process.returncode == 0, err
    assert out.splitlines()[0] == f"backlot api: listening on http://127.0.0.1:{port} (landing zone {home / 'landing'})"
    assert "landed films/catalog.csv" in err
    assert TOKEN not in out + err


def test_insecure_no_auth_accepts_deliveries_without_a_token(serve: Callable[..., Api]) -> None:
    api = serve(token=None, insecure_no_auth=True)

    assert api.post("films", CATALOG_CSV, name="catalog.csv", token=None).status == 202


def test_insecure_no_auth_does_not_switch_off_a_token_that_is_set(serve: Callable[..., Api]) -> None:
    api = serve(insecure_no_auth=True)

    _assert_error(api.post("films", CATALOG_CSV, name="catalog.csv", token=None), 401, "unauthorized")
    assert api.post("films", CATALOG_CSV, name="catalog.csv").status == 202


# --- sources and names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/v1/landing/netflix", "unknown_source"),
        ("/v1/landing/%2e%2e", "unknown_source"),  # the source `..`: looked up, never joined to a path
        ("/v1/landing/%2E%2E%2Ffilms", "not_found"),  # `../films` is not one path segment: no route
        ("/v1/landing/films%00", "unknown_source"),
        ("/v1/x", "not_found"),
    ],
)
def test_an_unknown_source_or_path_is_404(api: Api, path: str, error: str) -> None:
    answer = api.request("POST", path, CATALOG_CSV, {"Authorization": f"Bearer {TOKEN}"})

    _assert_error(answer, 404, error)
    assert api.all_files() == []


@pytest.mark.parametrize(
    "name",
    [
        "../x.csv",
        "..",
        "a/b.csv",
        "/etc/passwd",
        "a\\b.csv",
        ".hidden.csv",
        "x.csv.tmp",
        "x.csv.part",
        "X.CSV.TMP",
        "%2e%2e",
        "%2e%2e%2fx.csv",
        "x\tname.csv",
        "",
        "x" * 296 + ".csv",
        "é" * 128 + ".csv",
    ],
    ids=lambda name: name[:20] or "empty",
)
def test_a_hostile_file_name_is_422_and_nothing_is_written(api: Api, name: str) -> None:
    answer = api.post("films", CATALOG_CSV, name=name.encode())

    _assert_error(answer, 422, "invalid_filename")
    assert api.all_files() == []


def test_a_file_name_with_a_nul_byte_never_lands(api: Api) -> None:
    # HTTP clients refuse to send it, so the request is written by hand; the HTTP server
    # may refuse it before Backlot sees it (400), or Backlot does (422).
    with socket.create_connection(("127.0.0.1", api.port), timeout=DEADLINE) as conn:
        conn.sendall(
            b"POST /v1/landing/films HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Authorization: Bearer {TOKEN}\r\n".encode()
            + b"X-Backlot-Filename: x\x00.csv\r\n"
            + f"Content-Length: {len(CATALOG_CSV)}\r\nConnection: close\r\n\r\n".encode()
            + CATALOG_CSV
        )
        response = b""
        while chunk := conn.recv(65536):
            response += chunk

    assert response.split(b" ", 2)[1] in (b"400", b"422")
    assert api.all_files() == []


def test_a_nul_byte_in_the_name_that_gets_past_the_http_server_is_422(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The request goes straight to the application, as a laxer HTTP server would hand it over.
    monkeypatch.setenv("BACKLOT_INGEST_TOKEN", TOKEN)
    app = create_app(load_settings())
    incoming = [{"type": "http.request", "body": CATALOG_CSV, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"authorization", f"Bearer {TOKEN}".encode()), (b"x-backlot-filename", b"x\x00.csv")]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/landing/films",
        "raw_path": b"/v1/landing/films",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8484),
    }
    asyncio.run(app(scope, receive, send))

    [start] = [m for m in sent if m["type"] == "http.response.start"]
    body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
    assert (start["status"], body["error"]) == (422, "invalid_filename")
    assert "control character" in body["detail"]
    assert not (home / "landing" / "films").exists() or not any((home / "landing" / "films").iterdir())


@pytest.mark.parametrize("source", ["render_logs", "gpu_metrics"])
def test_a_source_whose_name_carries_data_needs_a_name(api: Api, source: str) -> None:
    answer = api.post(source, b"timestamp, utilization.gpu [%]\n")

    _assert_error(answer, 422, "filename_required")
    assert "X-Backlot-Filename" in answer.body["detail"]


@pytest.mark.parametrize(
    ("source", "name"),
    [("render_logs", "shot010.log"), ("render_logs", "a__b__c.log"), ("gpu_metrics", "node07.csv")],
)
def test_a_name_the_loader_cannot_read_is_422(api: Api, source: str, name: str) -> None:
    answer = api.post(source, b"Blender 4.2.0\n", name=name)

    _assert_error(answer, 422, "invalid_filename")
    assert api.all_files() == []


def test_named_sources_land_under_a_good_name(api: Api) -> None:
    log = b"Blender 4.2.0 (hash abc built 2024-07-16)\nFra:1 Mem:120.00M | Time:00:01.00 | Rendering\n"
    gpu = (
        b"timestamp, utilization.gpu [%], memory.used [MiB], power.draw [W]\n"
        b"2026/06/02 10:00:00.000, 97 %, 100 MiB, 300 W\n"
    )

    assert api.post("render_logs", log, name="level-zero-2026__sh010__node-07__job42.log").status == 202
    assert api.post("gpu_metrics", gpu, name="node-07__0602.csv").status == 202
    assert api.landed("render_logs") == {"level-zero-2026__sh010__node-07__job42.log": log}


# --- size ------------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_and_leaves_no_temp_file(serve: Callable[..., Api]) -> None:
    api = serve(BACKLOT_INGEST_MAX_BYTES="200")
    body = b"title,release_date,production_budget_usd\n" + b"A,2026-01-01,1\n" * 20
    assert len(body) > 200

    declared = api.post("films", body[:201], name="declared.csv")  # Content-Length says so: refused unread
    streamed = api.post("films", iter([body[:150], body[150:201]]), name="streamed.csv")  # chunked: counted

    for answer in (declared, streamed):
        _assert_error(answer, 413, "too_large")
        assert "200" in answer.body["detail"]
    assert api.landed("films") == {}
    assert api.post("films", body[:200], name="at_limit.csv").status == 202  # the limit itself is allowed


# --- not the source's format ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "name", "body", "expected"),
    [
        ("box_office_daily", "chart.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", (415, "not_text")),
        ("render_logs", "f__s__w__j.log", b"\x1f\x8b\x08\x00\x00\x00\x00\x00", (415, "not_text")),
        ("films", "catalog.csv", b"", (422, "empty_body")),
        ("films", "catalog.csv", b"1,2,3\n4,5,6\n", (422, "not_csv")),
        ("films", "catalog.json", b'{"title": "A"}', (422, "not_json")),
        ("films", "catalog.json", b'[{"title": "A"}', (422, "not_json")),
        ("render_events", None, b'[{"event_id": "e1"}]\n', (422, "not_json_lines")),
        ("render_events", None, b"event_id,ts\ne1,2026-01-01\n", (422, "not_json_lines")),
        ("render_events", None, b'\n\n"e1"\n', (422, "not_json_lines")),
        ("render_events", "events.csv", EVENTS_JSONL, (415, "unsupported_format")),
        ("youtube", "videos.txt", YOUTUBE_RESPONSE, (415, "unsupported_format")),
        (
            "youtube",
            "videos_20260620T090000Z.json",
            b'{"kind": "youtube#videoListResponse", "items": [',
            (422, "not_json"),
        ),
        ("youtube", "videos_20260620T090000Z.json", b"[]", (422, "not_json")),
        ("youtube", None, YOUTUBE_RESPONSE, (422, "no_observation_time")),
        ("youtube", "videos.json", YOUTUBE_RESPONSE, (422, "no_observation_time")),
        ("reddit", None, b'{"kind": "Listing", "data": {"children": []}}\xff', (422, "not_json")),
    ],
)
def test_a_body_that_is_not_the_sources_format_is_refused(
    api: Api, source: str, name: str | None, body: bytes, expected: tuple[int, str]
) -> None:
    answer = api.post(source, body, name=name)

    _assert_error(answer, *expected)
    assert api.all_files() == []


@pytest.mark.parametrize(
    ("source", "name", "body"),
    [
        ("youtube", "videos_20260620T090000Z.json", YOUTUBE_RESPONSE),
        ("youtube", None, b'{"fetched_at": "2026-06-20T09:00:00Z", "response": ' + YOUTUBE_RESPONSE + b"}"),
        ("render_events", None, b"\n" + EVENTS_JSONL + b"not json: the loader quarantines this line\n"),
        ("render_events", None, b"\xef\xbb\xbf" + EVENTS_JSONL.replace(b"j1", b"j\xff")),  # BOM, a bad byte in a string
        ("films", "catalog.csv", b"\xef\xbb\xbf" + CATALOG_CSV.replace(b",", b";")),  # BOM, semicolons
        ("render_logs", "f__s__w__j.log", b"Blender 4.2.0\n" + b"Fra:1\n" * 2000 + b"\x00" * 16),  # a crash's NULs
    ],
    ids=["stamped-response", "envelope", "jsonl-later-lines", "jsonl-bom-latin1", "csv-semicolons", "log-nul-tail"],
)
def test_what_the_loader_might_read_is_accepted(api: Api, source: str, name: str | None, body: bytes) -> None:
    assert api.post(source, body, name=name).status == 202


# --- errors, health, schema ----------------------------------------------------------------------------


def test_an_unexpected_error_is_a_json_500_and_leaves_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api_app.landing, "place", broken)

    answer = api.post("films", CATALOG_CSV, name="catalog.csv")

    _assert_error(answer, 500, "internal_error")
    assert "disk on fire" not in answer.body["detail"]
    assert any("disk on fire" in str(r.exc_info) for r in caplog.records if r.exc_info)
    assert api.landed("films") == {}


def test_a_wrong_method_is_a_json_405(api: Api) -> None:
    _assert_error(api.request("GET", "/v1/landing/films"), 405, "method_not_allowed")


def test_healthz_answers_without_a_token(api: Api) -> None:
    answer = api.request("GET", "/healthz")

    assert (answer.status, answer.body) == (200, {"status": "ok"})


def test_the_openapi_document_lists_the_route(api: Api) -> None:
    answer = api.request("GET", "/openapi.json")

    assert answer.status == 200
    route = answer.body["paths"]["/v1/landing/{source}"]["post"]
    assert {"200", "202", "401", "404", "413", "415", "422"} <= set(route["responses"])
    assert "text/csv" in route["requestBody"]["content"]
    assert "/healthz" in answer.body["paths"]


def test_the_engine_imports_no_fastapi_and_the_api_no_dagster() -> None:
    code = (
        "import json, sys; import pipelines.lib.landing, pipelines.lib.loading, pipelines.sources; "
        "engine = sorted({m.split('.')[0] for m in sys.modules}); "
        "import pipelines.api.app, pipelines.api.server; "
        "print(json.dumps([engine, sorted({m.split('.')[0] for m in sys.modules})]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    engine, api = json.loads(out)

    assert not {"fastapi", "starlette", "uvicorn"} & set(engine)
    assert "fastapi" in api
    assert not {"dagster", "dagster_dbt"} & set(api)
