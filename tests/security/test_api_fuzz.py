"""The ingest API fuzzed by schemathesis against its own OpenAPI document, over real HTTP on loopback.

The server is the real app under uvicorn on a free 127.0.0.1 port, its landing zone in a
temporary BACKLOT_HOME. Schemathesis reads `/openapi.json` from that server and generates
requests from it: positive cases (what the document allows) and negative ones (what it
does not). Some positive cases are steered towards the real sources, bodies in their formats
and names of the forms they take, so the fuzzing reaches past `unknown_source` into the
body checks and the landing itself.

For every response: never a 5xx; always JSON (never a traceback or an HTML page); a
refusal carries the status docs/api.md gives its error code; a delivery without the token
is always 401; schemathesis's own conformance checks against the document pass; a receipt
names a file that holds exactly the bytes sent. Afterwards: every file written is a plain
file directly inside landing/<source>/, no temp file is left, nothing outside the home.

Bounded: a fixed number of examples, derandomized (the same cases every run), no deadline
(nothing here is timed). The case counts are printed (`pytest -s`) for the record.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pipelines.settings import REPO_ROOT
from pipelines.sources import SOURCES
from tests.security.conftest import INGEST_TOKEN, ThreadServer, files_under, serve_in_thread

EXAMPLES = 300  # per test below
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,  # nothing timed: a slow machine makes the run slower, never red
    derandomize=True,  # the same cases every run, so a failure reproduces
    database=None,  # nothing written outside the temporary home
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
BODY_MEDIA_TYPES = ("text/csv", "text/plain", "application/x-ndjson", "application/json")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The API's bodies are the file's bytes whatever the Content-Type (`format: binary`): send
# them as they are, not re-encoded as JSON or text by schemathesis's defaults.
@schemathesis.serializer(*BODY_MEDIA_TYPES)
def _raw_bytes(ctx: Any, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    data = getattr(value, "data", None)  # schemathesis's Binary wrapper
    if isinstance(data, bytes):
        return data
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value).encode()  # negative cases: objects, numbers, ...


def documented_errors() -> dict[str, int]:
    """`error` code -> HTTP status, from the table of errors in docs/api.md: the contract the answers must keep."""
    text = (REPO_ROOT / "docs" / "api.md").read_text()
    rows = re.findall(r"^\| `(\d{3})` \| `(\w+)` \|", text, flags=re.MULTILINE)
    errors = {code: int(status) for status, code in rows}
    assert len(errors) >= 12, f"the error table of docs/api.md was not found: {errors}"
    return errors


DOCUMENTED = documented_errors()
TALLY: Counter[str] = Counter()  # what the fuzzing saw, printed at the end of the module


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, Path]]:
    """One real server for the module; its home is checked after the fuzzing (see the last test)."""
    from pipelines.api.app import create_app
    from pipelines.settings import load_settings

    home = tmp_path_factory.mktemp("fuzz") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BACKLOT_HOME", str(home))
        patch.setenv("BACKLOT_INGEST_TOKEN", INGEST_TOKEN)
        patch.setenv("BACKLOT_INGEST_MAX_BYTES", "4096")  # small, so that 413 is reachable too
        for name in ("BACKLOT_CATALOG", "BACKLOT_DATA_PATH"):
            patch.delenv(name, raising=False)
        app = create_app(load_settings())
    with serve_in_thread(app) as api:
        yield api, home
    cases = sum(count for key, count in TALLY.items() if key.startswith("mode:"))
    print(f"\nschemathesis fuzzing of the ingest API: {cases} cases")
    for key, count in sorted(TALLY.items()):
        print(f"  {count:5d}  {key}")


@pytest.fixture(scope="module")
def schema(server: tuple[ThreadServer, Path]) -> Any:
    """The API's OpenAPI document, as the running server serves it."""
    return schemathesis.openapi.from_url(f"{server[0].base_url}/openapi.json")


def _operation(schema: Any, label: str) -> Any:
    operations = {result.ok().label: result.ok() for result in schema.get_all_operations()}
    assert set(operations) == {"GET /healthz", "POST /v1/landing/{source}"}, operations
    return operations[label]


# --- steering: real sources, bodies in their formats, names of their forms, hostile names ---------------


def _csv_body(source: str) -> st.SearchStrategy[bytes]:
    columns = [c.name for c in SOURCES[source].columns]
    header = st.lists(st.sampled_from(columns), min_size=1, max_size=6, unique=True).map(",".join)
    cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
    rows = st.lists(st.lists(cell, min_size=1, max_size=6).map(",".join), max_size=4)
    return st.builds(lambda h, r: ("\n".join([h, *r]) + "\n").encode(), header, rows)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _jsonl_body() -> st.SearchStrategy[bytes]:
    return st.lists(_JSON_VALUES, min_size=1, max_size=4).map(lambda v: "\n".join(map(json.dumps, v)).encode())


def _json_body() -> st.SearchStrategy[bytes]:
    envelope = st.builds(
        lambda r, at: {"fetched_at": at, "response": r},
        st.dictionaries(st.text(max_size=8), _JSON_VALUES, max_size=3),
        st.sampled_from(["2026-06-20T09:00:00Z", "not a time", ""]),
    )
    return st.one_of(_JSON_VALUES, envelope).map(lambda v: json.dumps(v).encode())


HOSTILE_NAMES = [
    "../x.csv",
    "..%2fx.csv",
    "/etc/passwd",
    "..\\x.csv",
    ".hidden.csv",
    "x.csv.tmp",
    "x" * 300 + ".csv",
    "%2e%2e%2fx.csv",
    "x\u0085y.csv",
    "~",
]


def _names(source: str) -> st.SearchStrategy[str | None]:
    good = {
        "render_logs": ["lz__sh010__node-07__job42.log", "a__b__c__d.log"],
        "gpu_metrics": ["node-07__2026-06-01.csv", "w__x.csv"],
        "youtube": ["yt_20260620T090000Z.json", "yt.json"],
        "reddit": ["r_20260620T090000Z.json"],
        "render_events": ["events.jsonl", "events.ndjson"],
        "films": ["catalog.csv", "catalog.json", "catalog.jsonl"],
    }.get(source, ["chart.csv", "links.csv"])
    return st.one_of(st.none(), st.sampled_from(good), st.sampled_from(HOSTILE_NAMES), st.text(max_size=20))


def _steer(data: st.DataObject, case: Any) -> dict[str, bytes | None]:
    """Three positive cases in four: a real source, a body in (or near) its format, a name of its form or a hostile one.

    Returns the headers to send instead of the generated ones (None: leave the header out).
    """
    if data.draw(st.integers(0, 3), label="steered") == 0:
        return {}  # a quarter as schemathesis made them
    source = data.draw(st.sampled_from(sorted(SOURCES)), label="source")
    spec = SOURCES[source]
    fmt = data.draw(st.sampled_from([*spec.formats, "csv", "jsonl", "json"]), label="format")
    body = {
        "csv": _csv_body(source),
        "log": _csv_body(source),
        "jsonl": _jsonl_body(),
        "json": _json_body(),
    }[fmt]
    case.path_parameters = {"source": source}
    # Over BACKLOT_INGEST_MAX_BYTES (4096 here) now and then: the 413 path, mid-stream.
    line = (",".join(c.name for c in spec.columns) + "\n").encode()
    too_large = st.integers(4097, 6000).map(lambda n: (line * (n // len(line) + 1))[:n])
    case.body = data.draw(st.one_of(body, st.binary(max_size=64), too_large), label="body")
    case.media_type = data.draw(st.sampled_from(BODY_MEDIA_TYPES), label="media type")
    name = data.draw(_names(source), label="name")
    if name is None:
        return {"X-Backlot-Filename": None}
    # What an HTTP client can send at all (requests refuses line breaks and leading blanks), as
    # UTF-8 bytes, which is how the API reads the header (clients would send text as Latin-1).
    return {"X-Backlot-Filename": name.lstrip(" \t").replace("\r", "").replace("\n", "").encode()}


def _authorization(data: st.DataObject) -> str | None:
    """Mostly the token; sometimes none, a wrong one, or the token under another scheme."""
    return data.draw(
        st.sampled_from([f"Bearer {INGEST_TOKEN}"] * 9 + [None, f"Bearer {INGEST_TOKEN}x", f"Basic {INGEST_TOKEN}"]),
        label="authorization",
    )


# --- what every answer must be ---------------------------------------------------------------------------


def _judge(case: Any, response: Any, home: Path) -> None:
    status = response.status_code
    # What was actually sent: schemathesis leaves the header out of some negative cases.
    authorized = response.request.headers.get("Authorization") == f"Bearer {INGEST_TOKEN}"
    TALLY[f"status:{status}"] += 1
    assert status < 500, f"{status} for {case.path_parameters} {case.headers}: {response.text[:500]}"
    content_type = (response.headers.get("content-type") or [""])[0]
    if (status, content_type, response.text) == (400, "text/plain; charset=utf-8", "Invalid HTTP request received."):
        # A control character in a header: the HTTP server refuses the request before it
        # reaches the API, as docs/api.md says. Nothing can have been written.
        TALLY["refused by the HTTP server: 400 Invalid HTTP request"] += 1
        return
    assert content_type.startswith("application/json"), (status, content_type, response.text[:200])
    assert "Traceback" not in response.text
    assert "<html" not in response.text.lower()
    body = json.loads(response.text)
    case.validate_response(response, checks=CHECKS)  # conformance to the OpenAPI document
    if case.operation.label == "GET /healthz":
        assert (status, body) == (200, {"status": "ok"})
        return
    if not authorized:
        assert (status, body["error"]) == (401, "unauthorized"), body

    if status >= 400:
        assert set(body) == {"error", "detail"}, body
        assert body["error"] in DOCUMENTED, f"undocumented error code {body['error']!r}"
        assert DOCUMENTED[body["error"]] == status, f"{body['error']} came with {status}"
        assert isinstance(body["detail"], str)
        assert body["detail"]
        TALLY[f"error:{status} {body['error']}"] += 1
        if status == 401:
            assert (response.headers.get("www-authenticate") or [""])[0].startswith("Bearer")
            assert INGEST_TOKEN not in response.text
        return
    assert status in (200, 202), status
    sent = response.request.body or b""
    sent = sent.encode() if isinstance(sent, str) else sent
    assert body["sha256"] == hashlib.sha256(sent).hexdigest()
    assert body["source"] in SOURCES
    assert body["duplicate"] is (status == 200)
    landed = home / "landing" / body["source"] / body["file_name"]
    assert landed.parent == home / "landing" / body["source"]  # a bare name, never a path
    if status == 202:
        assert landed.read_bytes() == sent
    TALLY[f"landed:{status} {body['source']}"] += 1


def _call(case: Any, base_url: str, home: Path, authorization: str | None, extra: dict[str, Any]) -> None:
    """Send `case` with `authorization` and the `extra` headers in place of whatever was generated for them."""
    replaced = {name.lower() for name in ("Authorization", *extra)}
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() not in replaced}
    sent = {k: v for k, v in {**extra, "Authorization": authorization}.items() if v is not None}
    response = case.call(base_url=base_url, headers=sent, timeout=30)
    _judge(case, response, home)


# --- the fuzzing -------------------------------------------------------------------------------------------


def test_healthz_answers_json_to_anything_the_document_allows(schema: Any, server: tuple[ThreadServer, Path]) -> None:
    api, home = server
    strategy = _operation(schema, "GET /healthz").as_strategy(generation_mode=GenerationMode.POSITIVE)

    @FUZZ_SETTINGS
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        TALLY["mode:healthz positive"] += 1
        _judge(case, case.call(base_url=api.base_url, timeout=30), home)

    fuzz()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_landing_never_fails_and_every_refusal_is_its_documented_json(
    schema: Any, server: tuple[ThreadServer, Path], mode: GenerationMode
) -> None:
    api, home = server
    operation = _operation(schema, "POST /v1/landing/{source}")
    strategy = operation.as_strategy(generation_mode=mode)

    @FUZZ_SETTINGS
    @given(case=strategy, data=st.data())
    def fuzz(case: Any, data: st.DataObject) -> None:
        TALLY[f"mode:landing {mode.value}"] += 1
        if mode == GenerationMode.POSITIVE:
            extra = _steer(data, case)
        else:
            # Half the negative cases at a real source, so their invalid parts meet its checks.
            extra = {}
            if data.draw(st.booleans(), label="real source"):
                case.path_parameters = {"source": data.draw(st.sampled_from(sorted(SOURCES)), label="source")}
        _call(case, api.base_url, home, _authorization(data), extra)

    fuzz()


def test_the_fuzzing_reached_the_landing_and_wrote_only_inside_the_landing_folders(
    server: tuple[ThreadServer, Path],
) -> None:
    """Runs after the fuzzing above (pytest keeps the file's order): what it reached, and what it left on disk."""
    _, home = server
    seen_errors = {key.split(" ", 1)[1] for key in TALLY if key.startswith("error:")}
    # The fuzzing must get past the door, or it proves little: deliveries landed, and
    # refusals of many kinds were met (derandomized, so this holds run after run).
    assert any(key.startswith("landed:202") for key in TALLY), dict(TALLY)
    assert {"unauthorized", "unknown_source", "invalid_filename", "not_csv"} <= seen_errors, seen_errors
    assert len(seen_errors) >= 8, seen_errors

    written = files_under(home)
    assert written, "nothing landed"
    for path in written:
        relative = path.relative_to(home)
        assert relative.parts[0] == "landing", relative
        assert relative.parts[1] in SOURCES, relative
        # Directly in landing/<source>/, or queued there (a new body under a waiting name queues
        # the waiting file: landing/<source>/.queue/<claim>/<name>), and nowhere else.
        inside = relative.parts[2:]
        assert len(inside) == 1 or (len(inside) == 3 and inside[0] == ".queue"), f"{relative} is out of place"
        assert path.is_file()
        assert not path.is_symlink()
        assert not relative.name.startswith("."), f"{relative}: a temp file was left behind"
    # Nothing beside the home in its temporary folder: no file escaped it.
    assert [p.name for p in home.parent.iterdir()] == ["home"]
