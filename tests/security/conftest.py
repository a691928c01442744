"""Fixtures for the security tests: a temporary BACKLOT_HOME, a small published lake, real servers.

Everything is real: DuckDB and DuckLake on a SQLite catalog inside the temporary home, the
ingest API under uvicorn and the dashboard under waitress on free loopback ports, the
`backlot` command in child processes. Nothing under test is mocked.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelines import lakehouse
from pipelines.lib import publish
from pipelines.settings import Settings, load_settings

# No telemetry from any tool a test starts (the child processes inherit these).
for _name, _value in (
    ("DBT_SEND_ANONYMOUS_USAGE_STATS", "false"),
    ("GX_ANALYTICS_ENABLED", "false"),
    ("DAGSTER_DISABLE_TELEMETRY", "true"),
):
    os.environ.setdefault(_name, _value)

DEADLINE = 60.0  # seconds: the longest a test waits for a server to start or stop (never asserted on)
INGEST_TOKEN = "ingest-7Qf2vXk9-not-a-real-secret-c0ffee"
DASHBOARD_TOKEN = "dashboard-Zp4LmW8r-not-a-real-secret-d00d"

# What a visitor of the dashboard may read: stored data that looks like SQL or markup must
# stay data. The second film's title is a classic stored ("second-order") injection.
FILMS = [
    # film_id, title, release_date, distributor, model, budget, opening, worldwide
    ("level-zero-2026", "Level Zero", "2026-07-10", "Indie Collective", "indie_digital", 4.5e6, 21e6, 88e6),
    (
        "bobby-tables",
        "Robert'); DROP TABLE lake.meta.publishes; --<script>alert(1)</script>",
        "2025-03-14",
        "Major Pictures",
        "legacy_studio",
        210e6,
        30e6,
        220e6,
    ),
    ("dune-x", "Dune X", "2026-05-01", "Major Pictures", "legacy_studio", 190e6, 80e6, 600e6),
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh BACKLOT_HOME; no token and no other lake setting leaks in from the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("BACKLOT_HOME", str(home))
    for name in ("BACKLOT_CATALOG", "BACKLOT_DATA_PATH", "BACKLOT_INGEST_TOKEN", "BACKLOT_DASHBOARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # settings also read a `.env` in the working directory: there is none here
    return home


def build_published_lake(settings: Settings) -> None:
    """Every mart the dashboard reads, with a few rows, published twice (publish 2 doubles Level Zero's budget)."""
    con = lakehouse.connect(settings)
    audit = f"{lakehouse.LAKE}.audit"
    films = ", ".join(
        f"('{fid}', {_sql_text(title)}, DATE '{released}', '{dist}', '{model}', "
        f"{budget}::DOUBLE, {opening}::DOUBLE, {world}::DOUBLE)"
        for fid, title, released, dist, model, budget, opening, world in FILMS
    )
    con.execute(
        f"""CREATE TABLE {audit}.film_capital_efficiency AS
        SELECT film_id, title, release_date, distributor, production_model, budget AS production_budget_usd,
               opening AS opening_weekend_gross_usd, world * 0.4 AS domestic_gross_usd, world AS worldwide_gross_usd,
               world / budget AS roi_multiple, opening / budget AS opening_to_budget_ratio,
               world / opening AS legs_multiple, world >= budget AS is_break_even,
               60::BIGINT AS days_in_release, false AS has_estimates
        FROM (VALUES {films}) f(film_id, title, release_date, distributor, production_model, budget, opening, world)"""
    )
    con.execute(
        f"""CREATE TABLE {audit}.production_model_comparison AS
        SELECT production_model, count(*) AS films, median(production_budget_usd) AS median_budget_usd,
               median(roi_multiple) AS median_roi_multiple, avg(is_break_even::INT) AS break_even_share,
               sum(worldwide_gross_usd) AS total_worldwide_gross_usd
        FROM {audit}.film_capital_efficiency GROUP BY ALL"""
    )
    con.execute(
        f"""CREATE TABLE {audit}.production_efficiency AS
        SELECT film_id, production_model, production_budget_usd, 25000.0::DOUBLE AS render_cost_usd,
               25000.0::DOUBLE / production_budget_usd AS render_cost_share_of_budget, worldwide_gross_usd,
               worldwide_gross_usd / 25000.0::DOUBLE AS gross_per_render_dollar, 1500000::BIGINT AS pre_release_views,
               worldwide_gross_usd / 1500.0::DOUBLE AS gross_per_1k_pre_release_views
        FROM {audit}.film_capital_efficiency"""
    )
    con.execute(
        f"""CREATE TABLE {audit}.render_efficiency AS
        SELECT film_id, 'sh0' || s AS shot, 1200::BIGINT AS frames_rendered, 12::BIGINT AS frames_failed,
               40.0::DOUBLE AS render_hours, 12500.0::DOUBLE AS render_cost_usd, 10.4::DOUBLE AS cost_per_frame_usd,
               120.0::DOUBLE AS avg_seconds_per_frame, 9953.0::DOUBLE AS megapixels_rendered,
               1.25::DOUBLE AS cost_per_megapixel_usd, 0.01::DOUBLE AS failure_waste_share,
               93.0::DOUBLE AS avg_gpu_utilization_pct, 410.0::DOUBLE AS avg_power_w
        FROM (VALUES ('level-zero-2026'), ('bobby-tables')) f(film_id), range(1, 3) r(s)"""
    )
    con.execute(
        f"""CREATE TABLE {audit}.render_daily AS
        SELECT film_id, DATE '2026-03-01' + d::INT AS date, 300::BIGINT AS frames_rendered, 3::BIGINT AS frames_failed,
               10.0::DOUBLE AS render_hours, 3125.0::DOUBLE AS render_cost_usd,
               3125.0::DOUBLE * (d + 1) AS cumulative_render_cost_usd, 2488.0::DOUBLE AS megapixels_rendered,
               10.4::DOUBLE AS cost_per_frame_usd, 4.5e6::DOUBLE AS production_budget_usd,
               3125.0::DOUBLE * (d + 1) / 4.5e6 AS cumulative_cost_share_of_budget
        FROM (VALUES ('level-zero-2026'), ('bobby-tables')) f(film_id), range(8) r(d)"""
    )
    con.execute(
        f"""CREATE TABLE {audit}.social_momentum AS
        SELECT film_id, platform, DATE '2026-06-20' + d::INT AS date, (100000 * (d + 1))::BIGINT AS views,
               (5000 * (d + 1))::BIGINT AS likes, (300 * (d + 1))::BIGINT AS comments, 100000::BIGINT AS views_delta,
               0.05::DOUBLE AS engagement_rate, 1::BIGINT AS objects_observed, 10000::BIGINT AS channel_subscribers,
               9000000::BIGINT AS channel_views, 40::BIGINT AS channel_videos
        FROM (VALUES ('level-zero-2026'), ('bobby-tables')) f(film_id), (VALUES ('youtube'), ('reddit')) p(platform),
             range(30) r(d)"""
    )
    con.execute(
        f"""CREATE TABLE {audit}.box_office_daily AS
        SELECT film_id, territory, DATE '2026-07-10' + d::INT AS date, 1e6::DOUBLE / (d + 1) AS gross_usd,
               2000::BIGINT AS theaters, 500.0::DOUBLE AS per_theater_avg_usd,
               1e6::DOUBLE * (d + 1) AS cumulative_gross_usd, (d + 1)::BIGINT AS day_in_release, false AS is_estimate
        FROM (VALUES ('level-zero-2026'), ('bobby-tables')) f(film_id),
             (VALUES ('domestic'), ('uk')) t(territory), range(14) r(d)"""
    )
    marts = [
        "film_capital_efficiency",
        "production_model_comparison",
        "production_efficiency",
        "render_efficiency",
        "render_daily",
        "social_momentum",
        "box_office_daily",
    ]
    publish.publish(con, marts, "security-run-1")
    con.execute(
        f"UPDATE {audit}.film_capital_efficiency "
        "SET production_budget_usd = 9e6::DOUBLE, roi_multiple = 88e6::DOUBLE / 9e6 WHERE film_id = 'level-zero-2026'"
    )
    publish.publish(con, ["film_capital_efficiency"], "security-run-2", all_marts=marts)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def published_home(tmp_path_factory: pytest.TempPathFactory, label: str) -> Settings:
    """A home whose lake has every dashboard mart, published twice (publish ids 1 and 2).

    One per module: the tests that use it only read it, and each checks that it did.
    """
    home = tmp_path_factory.mktemp(label) / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BACKLOT_HOME", str(home))
        for name in ("BACKLOT_CATALOG", "BACKLOT_DATA_PATH"):
            patch.delenv(name, raising=False)
        settings = load_settings()
    build_published_lake(settings)
    return settings


def use_home(settings: Settings, monkeypatch: pytest.MonkeyPatch, workdir: Path) -> None:
    """Point this test's environment at `settings`' home, as `home` does for a fresh one."""
    monkeypatch.setenv("BACKLOT_HOME", str(settings.home))
    for name in ("BACKLOT_CATALOG", "BACKLOT_DATA_PATH", "BACKLOT_INGEST_TOKEN", "BACKLOT_DASHBOARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(workdir)


def lake_fingerprint(settings: Settings) -> dict[str, Any]:
    """What a write would change: the lake's snapshots, publishes, tables and views with their rows, its data files."""
    con = lakehouse.connect(settings, read_only=True)
    try:
        snapshots = con.execute(f"SELECT snapshot_id FROM ducklake_snapshots('{lakehouse.LAKE}') ORDER BY 1").fetchall()
        publishes = con.execute("SELECT publish_id, snapshot_id, mart_rows FROM meta.publishes ORDER BY 1").fetchall()
        relations = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? ORDER BY ALL",
            [lakehouse.LAKE, lakehouse.LAKE],
        ).fetchall()
        rows = {
            f"{schema}.{name}": con.execute(f'SELECT count(*) FROM {lakehouse.LAKE}."{schema}"."{name}"').fetchone()
            for schema, name in relations
        }
    finally:
        con.close()
    data = Path(settings.data_path)
    files = sorted((str(p.relative_to(data)), p.stat().st_size) for p in data.rglob("*") if p.is_file())
    return {"snapshots": snapshots, "publishes": publishes, "rows": rows, "data_files": files}


def files_under(folder: Path) -> set[Path]:
    """Every file below `folder`, but SQLite's own companions of the catalog (`-wal`, `-shm`, `-journal`).

    SQLite makes and removes those as readers come and go: they are not something anyone wrote.
    """
    if not folder.exists():
        return set()
    transient = ("-wal", "-shm", "-journal")
    return {p for p in folder.rglob("*") if (p.is_file() or p.is_symlink()) and not p.name.endswith(transient)}


# --- servers ---------------------------------------------------------------------------------------------


@dataclass
class ThreadServer:
    """A uvicorn server on a free loopback port in a background thread of this process."""

    base_url: str
    port: int


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[ThreadServer]:
    """Serve the ASGI `app` with uvicorn on a free 127.0.0.1 port until the block ends."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    # log_config=None: leave this process's logging alone (caplog sees the records).
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off", log_level="info"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + DEADLINE
        while not server.started:
            assert thread.is_alive(), "the API thread died"
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.02)
        port = sock.getsockname()[1]
        yield ThreadServer(f"http://127.0.0.1:{port}", port)
    finally:
        server.should_exit = True
        thread.join(DEADLINE)
        sock.close()
    assert not thread.is_alive(), "the API did not stop"


@pytest.fixture
def ingest_api(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ThreadServer]]:
    """`ingest_api(KEY=value)`: the real ingest API under uvicorn on 127.0.0.1, settings from the environment."""
    from pipelines.api.app import create_app

    with contextlib.ExitStack() as running:

        def start(**env: str) -> ThreadServer:
            monkeypatch.setenv("BACKLOT_INGEST_TOKEN", INGEST_TOKEN)
            for key, value in env.items():
                monkeypatch.setenv(key, value)
            return running.enter_context(serve_in_thread(create_app(load_settings())))

        yield start


@dataclass
class Child:
    """A `backlot` command running in a child process, its output going to a file."""

    process: subprocess.Popen[bytes]
    output: Path
    base_url: str

    def stop(self) -> str:
        """Stop it as an operator would (SIGINT), and return everything it wrote, stdout and stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(DEADLINE)
        return self.output.read_text(errors="replace")

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_backlot(home: Path, command: list[str], *, env: dict[str, str], health: str = "/") -> Child:
    """`python -m pipelines.cli COMMAND --port P` in `home`, stdout and stderr into one file; waits until it answers."""
    import urllib.error
    import urllib.request

    port = free_port()
    output = home.parent / f"{command[0]}-{port}.log"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("BACKLOT_")}
    child_env.update({"BACKLOT_HOME": str(home), "PYTHONUNBUFFERED": "1", **env})
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *command, "--host", "127.0.0.1", "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=child_env,
            cwd=home.parent,
        )
    child = Child(process, output, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + DEADLINE
    while True:
        if process.poll() is not None:
            raise AssertionError(f"backlot {command[0]} exited with {process.returncode}: {child.text()}")
        if time.monotonic() > deadline:
            child.stop()
            raise AssertionError(f"backlot {command[0]} did not answer within {DEADLINE} s: {child.text()}")
        try:
            with urllib.request.urlopen(child.base_url + health, timeout=5):
                return child
        except urllib.error.HTTPError:
            return child  # it answered, with a refusal: it is up
        except OSError:
            time.sleep(0.2)
