"""An ingest API killed in the middle of an upload: nothing half-received is ever loaded, the
producer's retry lands whole and is loaded once, and the dead upload's temp file is swept."""

from __future__ import annotations

import http.client
import os
import signal
import time
from pathlib import Path

from pipelines.lib import landing
from tests.faults.crash import INGEST_TOKEN, Crasher, post, season
from tests.net import free_port, wait_for


def _start_upload(port: int, body: bytes, sent: int) -> http.client.HTTPConnection:
    """A POST of `body` whose first `sent` bytes have gone out; the rest never will."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest("POST", "/v1/landing/box_office_daily")
    connection.putheader("Authorization", f"Bearer {INGEST_TOKEN}")
    connection.putheader("X-Backlot-Filename", "daily.csv")
    connection.putheader("Content-Type", "text/csv")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    connection.send(body[:sent])
    return connection


def test_an_api_killed_mid_upload_leaves_nothing_loadable(tmp_path: Path) -> None:
    crasher = Crasher(tmp_path / "home")
    source_dir = crasher.settings.landing("box_office_daily")
    body = season(2000).encode()
    port = free_port()
    api = crasher.start("api", "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", 60)
        upload = _start_upload(port, body, len(body) // 2)
        deadline = time.monotonic() + 30
        while not any(temp.stat().st_size for temp in source_dir.glob(".*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(source_dir.glob(".*.tmp")), "the API never began writing the upload"
    finally:
        os.kill(api.pid, signal.SIGKILL)  # half the body received and written
        api.wait()
        assert api.stdout is not None
        api.stdout.close()
    upload.close()

    [abandoned] = list(source_dir.glob(".*.tmp"))
    assert 0 < abandoned.stat().st_size < len(body)
    assert landing.waiting_paths(source_dir) == []  # nothing a pass would take

    port = free_port()
    api = crasher.start("api", "--port", str(port))
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", 60)
        assert post(port, "box_office_daily", "daily.csv", body) == 202  # the producer sends it again, whole
    finally:
        api.send_signal(signal.SIGTERM)
        api.communicate(timeout=60)

    crasher.run()
    con = crasher.connect()
    try:
        loads = con.execute("SELECT status, file_name FROM meta.loads WHERE source = 'box_office_daily'").fetchall()
        records = con.execute(
            "SELECT (SELECT count(*) FROM raw.box_office_daily) + (SELECT count(*) FROM quarantine.box_office_daily)"
        ).fetchone()
        assert records == (body.count(b"\n") - 1,)  # every record of the whole file, once
    finally:
        con.close()
    assert [status for status, _name in loads] == ["loaded"]
    assert abandoned.exists()  # as an upload still going would be: too young to be called dead

    # A temp file nobody has written to for a day is a dead delivery's: the next pass removes it.
    a_day_ago = time.time() - landing.ABANDONED_AFTER - 60
    os.utime(abandoned, (a_day_ago, a_day_ago))
    crasher.run()
    assert not abandoned.exists()
