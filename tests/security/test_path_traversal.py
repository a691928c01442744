"""Path traversal through the ingest API: `X-Backlot-Filename` and the source in the URL.

A real server on a free loopback port writes into a temporary BACKLOT_HOME. Requests are
sent as raw bytes (http.client, or a socket for what no client would send), so nothing is
normalised or refused on the client's side. After each attack the whole temporary folder
(the home and what lies beside it) is listed: a refused request wrote nothing anywhere, and
an accepted one wrote exactly one plain file directly inside landing/<source>/.

tests/unit/api/test_ingest_api.py already refuses a first list of hostile names; these are
the encodings, platforms and lengths it does not try, the source in the URL, and what the
pipeline then does with the longest name the API accepts.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelines import lakehouse
from pipelines.defs.box_office.sources import FILMS
from pipelines.lib import landing, loading
from pipelines.settings import load_settings
from tests.security.conftest import INGEST_TOKEN, ThreadServer, files_under

# How uvicorn refuses a request that is not valid HTTP (a control character in a header),
# before Backlot sees it; docs/api.md says so.
HTTP_SERVER_REFUSAL = b"Invalid HTTP request received."
CATALOG_CSV = b"film_id,title,release_date,production_budget_usd\nlevel-zero-2026,Level Zero,2026-07-10,1200000\n"


def post(server: ThreadServer, path: str, name: bytes | None = None, body: bytes = CATALOG_CSV) -> tuple[int, Any]:
    """POST `body` to `path` exactly as given (no client-side normalisation), with the token; (status, JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest("POST", path, skip_accept_encoding=True)
        conn.putheader("Authorization", f"Bearer {INGEST_TOKEN}")
        if name is not None:
            conn.putheader("X-Backlot-Filename", name)  # bytes go on the wire as they are
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        data = response.read()
        if (response.status, data) == (400, HTTP_SERVER_REFUSAL):
            return response.status, {"error": "invalid HTTP", "detail": ""}
        assert response.getheader("Content-Type", "").startswith("application/json"), data[:200]
        return response.status, json.loads(data)
    finally:
        conn.close()


def raw(server: ThreadServer, request: bytes) -> tuple[int, bytes]:
    """Send bytes no HTTP client would (a NUL in the request line or a header); (status, body)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.fixture
def api(ingest_api: Callable[..., ThreadServer]) -> ThreadServer:
    return ingest_api()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the home: where the absolute and `../` names below point."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


# (id, name as sent); `{outside}` stands for the folder beside the home.
HOSTILE = [
    # ../ in every spelling: plain, encoded once and twice, overlong UTF-8, doubled, with a `;`
    ("dotdot", b"../../../outside/pwned.csv"),
    ("dotdot-encoded", b"..%2F..%2F..%2Foutside%2Fpwned.csv"),
    ("dotdot-encoded-lower", b"%2e%2e%2f%2e%2e%2f%2e%2e%2foutside%2fpwned.csv"),
    ("double-encoded", b"%252e%252e%252fpwned.csv"),
    ("overlong-encoded", b"..%c0%af..%c0%afpwned.csv"),
    ("overlong-bytes", b"..\xc0\xaf..\xc0\xafpwned.csv"),  # an overlong '/', raw: not UTF-8
    ("dots-doubled", b"....//....//pwned.csv"),
    ("dotdot-semicolon", b"..;/pwned.csv"),
    # absolute paths, URLs, Windows paths, drive letters, UNC paths, the home directory
    ("absolute", b"{outside}/pwned.csv"),
    ("absolute-double-slash", b"/{outside}/pwned.csv"),
    ("file-url", b"file://{outside}/pwned.csv"),
    ("backslashes", b"..\\..\\..\\outside\\pwned.csv"),
    ("drive-letter", b"C:\\Windows\\pwned.csv"),
    ("unc", b"\\\\server\\share\\pwned.csv"),
    ("tilde", b"~/pwned.csv"),
    # the folder itself, its parent, hidden names, the landing zone's own files, what the scan ignores
    ("dot", b"."),
    ("dotdot-alone", b".."),
    ("three-dots", b"..."),
    ("dot-slash", b"./pwned.csv"),
    ("trailing-slash", b"pwned.csv/"),
    ("queue-folder", b".queue"),
    ("archive-folder", b".archive"),
    ("lock-file", b".lock"),
    ("part-suffix", b"pwned.csv.PART"),
    # control characters: C0, DEL, C1 (NEL, CSI), the line and paragraph separators
    ("escape", b"pwned\x1b[31m.csv"),
    ("del", b"pwned\x7f.csv"),
    ("nel", "pwned\u0085.csv".encode()),
    ("csi", "pwned\u009b31m.csv".encode()),
    ("line-separator", "pwned\u2028.csv".encode()),
    ("paragraph-separator", "pwned\u2029.csv".encode()),
    # too long: one byte over 255, multi-byte characters over 255 bytes, a 4 KiB name
    ("256-bytes", b"x" * 252 + b".csv"),
    ("256-bytes-utf8", "é".encode() * 126 + b".csv"),
    ("4-kib", b"a" * 4096),
    # not UTF-8 at all
    ("not-utf8", b"pwned\xff.csv"),
]


@pytest.mark.parametrize("name", [name for _, name in HOSTILE], ids=[id_ for id_, _ in HOSTILE])
def test_a_hostile_name_is_422_and_nothing_is_written_anywhere(
    api: ThreadServer, tmp_path: Path, outside: Path, name: bytes
) -> None:
    name = name.replace(b"{outside}", str(outside).encode())
    before = files_under(tmp_path)

    status, body = post(api, "/v1/landing/films", name)

    # Backlot refuses it; a C0 control character is refused even earlier, by the HTTP server.
    assert (status, body["error"]) in ((422, "invalid_filename"), (400, "invalid HTTP")), body
    assert INGEST_TOKEN not in body["detail"]
    assert files_under(tmp_path) == before  # nothing in the home, nothing beside it
    assert not (outside / "pwned.csv").exists()


def test_a_nul_byte_in_the_name_or_the_path_never_reaches_the_disk(api: ThreadServer, tmp_path: Path) -> None:
    before = files_under(tmp_path)
    length = f"Content-Length: {len(CATALOG_CSV)}\r\nConnection: close\r\n\r\n".encode()
    auth = f"Authorization: Bearer {INGEST_TOKEN}\r\n".encode()
    answers = [
        raw(
            api,
            b"POST /v1/landing/films HTTP/1.1\r\nHost: x\r\n" + auth + b"X-Backlot-Filename: a\x00.csv\r\n" + length,
        ),
        raw(api, b"POST /v1/landing/films\x00 HTTP/1.1\r\nHost: x\r\n" + auth + length),
        raw(api, b"POST /v1/landing/films HTTP/1.1\r\nHost: x\r\n" + auth + b"X-Backlot-Filename: \x00\r\n" + length),
    ]

    # The HTTP server refuses them before Backlot sees them (docs/api.md): a plain 400.
    assert answers == [(400, HTTP_SERVER_REFUSAL)] * 3
    assert files_under(tmp_path) == before


LOOK_ALIKES = [
    "．．／pwned.csv",  # fullwidth dots and solidus: plain characters on Linux, not `../`
    "…／pwned.csv",
    "pwned%zz.csv",  # a percent sign not followed by two hex digits: not an encoding
    "CON.csv",  # reserved on Windows only
    "pwned.csv:Zone.Identifier",
    "pwned .csv",
    "pwned.csv.",
    "pwned\u202ecsv.exe.csv",  # a right-to-left override: shown reversed, still one name
    "x" * 251 + ".csv",  # exactly 255 bytes: the longest name the API takes
]


@pytest.mark.parametrize("name", LOOK_ALIKES, ids=lambda n: n.encode()[:24].decode(errors="ignore") or "x")
def test_a_name_that_only_looks_like_a_path_lands_as_one_plain_file_in_the_source_folder(
    api: ThreadServer, tmp_path: Path, name: str
) -> None:
    before = files_under(tmp_path)

    status, body = post(api, "/v1/landing/films", name.encode())

    assert status == 202, body
    assert body["file_name"] == name
    target = tmp_path / "home" / "landing" / "films" / name
    assert files_under(tmp_path) - before == {target}
    assert target.read_bytes() == CATALOG_CSV


SOURCE_PATHS = [
    "/v1/landing/..",
    "/v1/landing/../films",
    "/v1/landing/films/..",
    "/v1/landing/films/../films",
    "/v1/landing/%2e%2e",
    "/v1/landing/%2E%2E%2F%2E%2E%2Foutside",
    "/v1/landing/..%2f..%2f..%2foutside",
    "/v1/landing/films%2f..%2f..%2f..%2foutside",
    "/v1/landing/..%5c..%5coutside",
    "/v1/landing/%252e%252e%252f",
    "/v1/landing/%c0%ae%c0%ae%c0%af",
    "/v1/landing/films%00",
    "/v1/landing/films%00.csv",
    "/v1/landing//etc/passwd",
    "/v1/landing/%2Fetc%2Fpasswd",
    "/v1/landing/~",
    "/v1/landing/.queue",
    "/v1/landing/FILMS",
    "/v1/landing/films%20",
    "/v1/landing/films;..",
    "/v1/landing/" + "a" * 4000,
    "/v1/landing/films/x",
    "/v1/../v1/landing/films",
]


@pytest.mark.parametrize("path", SOURCE_PATHS, ids=lambda p: p.removeprefix("/v1/landing/")[:30] or "empty")
def test_a_source_that_is_not_a_source_name_is_404_and_nothing_is_written(
    api: ThreadServer, tmp_path: Path, path: str
) -> None:
    before = files_under(tmp_path)

    status, body = post(api, path, b"catalog.csv")

    assert status == 404, body
    assert body["error"] in ("unknown_source", "not_found"), body
    assert len(body["detail"]) < 400  # the echoed source is cut short
    assert files_under(tmp_path) == before


def test_a_query_string_is_not_part_of_the_source_and_the_file_lands_in_its_folder(
    api: ThreadServer, tmp_path: Path
) -> None:
    before = files_under(tmp_path)

    status, body = post(api, "/v1/landing/films?source=../../outside&name=../x", b"catalog.csv")

    assert (status, body["source"], body["file_name"]) == (202, "films", "catalog.csv")
    assert files_under(tmp_path) - before == {tmp_path / "home" / "landing" / "films" / "catalog.csv"}


@pytest.mark.parametrize(
    "name",
    ["x" * 251 + ".csv", "é" * 125 + "x.csv", "catalogue_" + "ß" * 120 + ".csv"],
    ids=["255-ascii", "255-utf8", "250-utf8"],
)
def test_the_longest_name_the_api_takes_is_loaded_and_archived_and_the_next_run_is_clean(
    api: ThreadServer, name: str
) -> None:
    """A name of up to 255 bytes lands; the loader must then load and archive it, not wedge the source.

    The archive names a file `<sha16>__<name>`: 18 bytes more than the name. A 255-byte name
    made archiving fail with "File name too long" after the batch committed, and every later
    run of the source failed the same way, the file stuck in its queue (fixed in
    `landing.archived_path`).
    """
    assert len(name.encode()) <= 255
    status, body = post(api, "/v1/landing/films", name.encode())
    assert status == 202, body

    settings = load_settings()
    source_dir = settings.landing("films")
    con = lakehouse.connect(settings)
    first = loading.load_pending(con, FILMS, source_dir)
    again = loading.load_pending(con, FILMS, source_dir)

    assert first.committed
    assert again.committed
    assert [f.status for f in first.files] == ["loaded"]
    assert again.files == []
    assert landing.waiting_paths(source_dir) == []  # nothing left queued
    sha = hashlib.sha256(CATALOG_CSV).hexdigest()
    archived = list(files_under(source_dir / landing.ARCHIVE))
    assert [p.name for p in archived] == [name]  # the whole name kept, in a folder of its hash
    assert archived[0].parent.name == sha[:16]
    assert archived[0].read_bytes() == CATALOG_CSV
    assert con.execute("SELECT file_name, status FROM meta.loads").fetchall() == [(name, "loaded")]
