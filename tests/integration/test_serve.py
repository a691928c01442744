"""`backlot serve` end to end: files pushed over HTTP reach the published marts with nobody pressing a button."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from pipelines import lakehouse
from pipelines.settings import load_settings
from tests.integration.conftest import DAILY_CSV, FILMS_CSV
from tests.net import free_port, wait_for

TOKEN = "test-token-not-a-secret"
# The sensors tick every 15 s and the pass takes about half a minute: minutes, not seconds.
PUBLISHED_WITHIN = 300


def _push(api: str, source: str, name: str, body: str) -> int:
    request = urllib.request.Request(
        f"{api}/v1/landing/{source}",
        data=body.encode(),
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "X-Backlot-Filename": name, "Content-Type": "text/csv"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def _publishes() -> int:
    try:
        con = lakehouse.connect(load_settings(), read_only=True)
    except duckdb.Error:  # no lake yet
        return 0
    try:
        row = con.execute("SELECT count(*) FROM meta.publishes").fetchone()
        return int(row[0]) if row else 0
    except duckdb.Error:  # the lake exists, its meta tables not yet
        return 0
    finally:
        con.close()


def _processes_of(home: Path) -> list[int]:
    """Processes whose environment names this home: whatever serve started and left behind."""
    marker = f"BACKLOT_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@dataclass(frozen=True)
class Addresses:
    api: str
    ui: str
    dashboard: str


def _serve(home: Path) -> tuple[subprocess.Popen[str], Addresses]:
    """`backlot serve` on the home and free ports: its process and its services' addresses."""
    ui_port, api_port, dashboard_port = free_port(), free_port(), free_port()
    env = {**os.environ, "BACKLOT_HOME": str(home), "BACKLOT_INGEST_TOKEN": TOKEN}
    command = [sys.executable, "-m", "pipelines.cli", "serve", "--dagster-port", str(ui_port)]
    command += ["--api-port", str(api_port), "--dashboard-port", str(dashboard_port)]
    serve = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    local = "http://127.0.0.1"
    return serve, Addresses(f"{local}:{api_port}", f"{local}:{ui_port}", f"{local}:{dashboard_port}")


def test_serve_publishes_pushed_files_and_stops_cleanly(home: Path) -> None:
    serve, at = _serve(home)
    api = at.api
    try:
        wait_for(f"{api}/healthz", 60)
        wait_for(f"{at.ui}/server_info", 120)
        wait_for(at.dashboard, 60)
        assert _push(api, "films", "films.csv", FILMS_CSV) == 202
        assert _push(api, "box_office_daily", "daily.csv", DAILY_CSV) == 202

        deadline = time.monotonic() + PUBLISHED_WITHIN
        while _publishes() == 0 and time.monotonic() < deadline and serve.poll() is None:
            time.sleep(2)
        if _publishes() == 0:
            serve.send_signal(signal.SIGTERM)
            raise AssertionError("nothing was published:\n" + serve.communicate(timeout=120)[0][-6000:])
        # The dashboard serve started shows the new publish (its shell names it).
        with urllib.request.urlopen(f"{at.dashboard}/_dash-layout", timeout=30) as response:
            assert "Publish 1" in response.read().decode()
    finally:
        serve.send_signal(signal.SIGTERM)
        output, _ = serve.communicate(timeout=120)

    assert serve.returncode == 0, output
    assert "stopped" in output
    assert _processes_of(home) == []  # no orphaned child
    con = lakehouse.connect(load_settings(), read_only=True)
    try:
        titles = {row[0] for row in con.execute("SELECT title FROM marts.film_capital_efficiency").fetchall()}
    finally:
        con.close()
    assert titles == {"Level Zero", "Starfall Legacy"}
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        in_flight = instance.get_run_records(
            filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED])
        )
        assert in_flight == []


def test_stopping_serve_during_a_run_leaves_no_run_started(home: Path) -> None:
    serve, at = _serve(home)
    api = at.api
    started = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    try:
        wait_for(f"{api}/healthz", 60)
        assert _push(api, "films", "films.csv", FILMS_CSV) == 202
        deadline = time.monotonic() + PUBLISHED_WITHIN
        in_flight = []
        while not in_flight and time.monotonic() < deadline:
            time.sleep(1)
            if (home / "dagster" / "dagster.yaml").is_file():
                with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
                    in_flight = instance.get_run_records(filters=dg.RunsFilter(statuses=started))
        assert in_flight, "no run started"
    finally:
        serve.send_signal(signal.SIGTERM)  # mid-run
        output, _ = serve.communicate(timeout=120)

    assert serve.returncode == 0, output
    assert _processes_of(home) == []
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        run = instance.get_run_by_id(in_flight[0].dagster_run.run_id)
        assert run is not None
        assert run.status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE)
        assert instance.get_run_records(filters=dg.RunsFilter(statuses=started)) == []


def test_a_killed_serve_takes_its_services_along_and_the_next_one_fails_its_runs(home: Path) -> None:
    serve, at = _serve(home)
    started = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    try:
        wait_for(f"{at.api}/healthz", 60)
        assert _push(at.api, "films", "films.csv", FILMS_CSV) == 202
        deadline = time.monotonic() + PUBLISHED_WITHIN
        in_flight = []
        while not in_flight and time.monotonic() < deadline:
            time.sleep(0.5)
            if (home / "dagster" / "dagster.yaml").is_file():
                with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
                    in_flight = instance.get_run_records(filters=dg.RunsFilter(statuses=started))
        assert in_flight, "no run started"
    finally:
        serve.kill()  # SIGKILL: no shutdown of its own
        serve.wait(timeout=30)
        assert serve.stdout is not None
        serve.stdout.close()  # its services share the pipe: reading to its end would wait for them

    # Its services got SIGTERM from the kernel and stopped what they had started.
    deadline = time.monotonic() + 120
    while _processes_of(home) and time.monotonic() < deadline:
        time.sleep(1)
    assert _processes_of(home) == []

    again, at = _serve(home)  # the ports are free again, and the run the killed one left is settled
    try:
        wait_for(f"{at.api}/healthz", 60)
        with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
            run = instance.get_run_by_id(in_flight[0].dagster_run.run_id)
            assert run is not None
            assert run.status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE)
        # The delivery the killed run was loading is published with nobody sending it again: the
        # daemon retries a run whose worker died (the sensor had asked for those files once).
        deadline = time.monotonic() + PUBLISHED_WITHIN
        while _publishes() == 0 and time.monotonic() < deadline:
            time.sleep(2)
        assert _publishes() >= 1, "the killed run's files were never published"
        con = lakehouse.connect(load_settings(), read_only=True)
        try:
            loads = con.execute("SELECT status, count(*) FROM meta.loads WHERE source = 'films' GROUP BY ALL")
            assert dict(loads.fetchall()).get("loaded") == 1
        finally:
            con.close()
    finally:
        again.send_signal(signal.SIGTERM)
        output, _ = again.communicate(timeout=120)
    assert again.returncode == 0, output
