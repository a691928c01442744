"""Kill Backlot at random moments, restart it, and check that nothing was lost or half-published.

A `Crasher` owns one BACKLOT_HOME. Files are delivered in rounds. After each round, `backlot
serve` is started and SIGKILLed (its sensor-launched run with it), then the pipeline is started
as a separate process (`python -m pipelines.cli run`, what cron runs) and SIGKILLed, several
times over, then run once more to the end; then `backlot maintain` is killed the same way and
run to the end. The delays are drawn from a seeded generator over the length of an
uninterrupted pass (or maintenance), so kills land in every phase: imports, loading, the dbt
build, the checks, the publish, merging files, expiring snapshots, deleting files. A reader
thread reads the published marts throughout, as an analyst would.

`outcome` and `differences` then hold the home to the promises: every landed file loaded
exactly once, raw plus quarantine equal to what an uninterrupted run made of the same files,
the same published marts, no run left "started" in the Dagster instance, and no reader that
saw a publish half-made (marts whose row counts differ from the publish record they read with).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import duckdb

from pipelines import instance, lakehouse
from pipelines.lib.landing import deliver
from pipelines.settings import REPO_ROOT, lake_settings
from pipelines.sources import SOURCES
from tests.integration.conftest import DAILY_CSV, FILMS_CSV
from tests.net import free_port

FIXTURES = REPO_ROOT / "tests" / "fixtures"
MARTS = (
    "box_office_daily",
    "film_capital_efficiency",
    "production_model_comparison",
    "render_efficiency",
    "render_daily",
    "production_efficiency",
    "social_momentum",
)

BLENDER_LOG = FIXTURES / "blender" / "backrooms__sh010__render-01__job-0101.log"
REDDIT = FIXTURES / "social" / "reddit_levelzero_20260620T090000Z.json"
_EVENT = {"job_id": "lz-1", "film_id": "level-zero-2026", "shot": "sh010", "gpu_model": "NVIDIA GeForce RTX 4090"}


def _events(first: int, count: int) -> str:
    """Farm events: each frame started, then failed or finished, a minute apart."""
    lines = []
    for n in range(first, first + count):
        frame, minute = n // 2, n % 60
        kind = "frame_started" if n % 2 == 0 else ("frame_failed" if frame % 5 == 0 else "frame_finished")
        event = {"event_id": f"e{n}", "event_type": kind, "ts": f"2026-03-01T10:{minute:02d}:00Z", **_EVENT}
        event |= {"frame": frame, "worker": f"n{frame % 3}"}
        if kind != "frame_started":
            event |= {"render_seconds": 60.0 + n, "resolution_x": 1920, "resolution_y": 1080}
        lines.append(json.dumps(event))
    return "\n".join(lines) + "\n"


# What lands, round by round: every loader (CSV, JSON lines, API documents, Blender logs,
# nvidia-smi), a file with bad rows, a late report that rewrites running totals, a resent file.
ROUNDS: list[list[tuple[str, str, str | Path]]] = [
    [
        ("films", "films.csv", FILMS_CSV),
        ("box_office_daily", "daily.csv", DAILY_CSV),
        ("render_events", "events-1.jsonl", _events(0, 40)),
        ("render_logs", "level-zero-2026__sh020__n1__lz-log.log", BLENDER_LOG),
        ("gpu_metrics", "n1__smi.csv", FIXTURES / "render" / "nvidia-smi-h100-idle.csv"),
        ("youtube", "videos.json", FIXTURES / "social" / "youtube_videos_envelope.json"),
        ("reddit", REDDIT.name, REDDIT),
    ],
    [
        ("box_office_daily", "late.csv", "date,title,gross_usd,theaters,is_estimate,reported_at\n"
         "2026-07-11,Level Zero,\"$7,250,000\",\"2,010\",false,2026-07-20T10:00:00Z\n"
         "2026-07-14,Level Zero,not a number,10,false,2026-07-15T10:00:00Z\n"
         "2026-07-14,Starfall Legacy,\"$900,000\",\"3,000\",false,2026-07-15T10:00:00Z\n"),
        ("render_events", "events-2.jsonl", _events(40, 30)),
        ("render_events", "events-1-resent.jsonl", _events(0, 40)),
    ],
]  # fmt: skip


# What a reader meets before the first pass has created the lake and its schemas.
NOT_A_LAKE_YET = ("creating a new DuckLake is explicitly disabled", 'schema "meta" does not exist')


@dataclass
class Findings:
    kills: int = 0
    finished_first: int = 0  # passes and maintenances that ended before the moment drawn for their kill
    passes: int = 0
    maintenances: int = 0
    phases: Counter[str] = field(default_factory=Counter)  # where the kills landed
    reads: int = 0
    partial_reads: list[str] = field(default_factory=list)
    reader_errors: list[str] = field(default_factory=list)


INGEST_TOKEN = "faults-token-not-a-secret"


def env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BACKLOT_HOME": str(home),
        # Maintenance expires every snapshot but the publishes, so killing it interrupts real work.
        "BACKLOT_SNAPSHOT_RETENTION_DAYS": "0",
        "BACKLOT_INGEST_TOKEN": INGEST_TOKEN,
        "DAGSTER_DISABLE_TELEMETRY": "true",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


class Ports(NamedTuple):
    ui: int
    api: int
    dashboard: int


def stop(process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """SIGTERM, as an operator stops a service; SIGKILL (and fail) if it has not ended within `timeout`."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


class Crasher:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.settings = lake_settings(home)

    def deliver(self, round_: list[tuple[str, str, str | Path]]) -> None:
        for source, name, content in round_:
            data = content.read_bytes() if isinstance(content, Path) else content.encode()
            deliver(self.settings.landing(source), name, data)

    def start(self, *command: str, log: Path | None = None) -> subprocess.Popen[bytes]:
        """`backlot <command>` (a pass by default) on this home, as its own process; its output
        in a pipe, or in `log` for a long-lived service (a full pipe would stop it)."""
        with log.open("ab") if log else contextlib.nullcontext(subprocess.PIPE) as output:
            return subprocess.Popen(
                [sys.executable, "-m", "pipelines.cli", *(command or ("run",))],
                env=env(self.home),
                cwd=REPO_ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def run(self, *command: str, timeout: float = 600) -> float:
        """`backlot <command>` (a pass by default) to the end; its duration. It must succeed."""
        started = time.perf_counter()
        process = self.start(*command)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # a pass that never ends (waiting for a lock a killed one held)
            process.kill()
            output, _ = process.communicate()
            shown = " ".join(command or ("run",))
            raise AssertionError(f"backlot {shown} did not end in {timeout:.0f} s:\n{output.decode()}") from None
        assert process.returncode == 0, output.decode()
        return time.perf_counter() - started

    def kill_during(self, delay: float, *command: str) -> bool:
        """Start `backlot <command>` and SIGKILL it after `delay` seconds; whether it was still going."""
        process = self.start(*command)
        try:
            process.wait(timeout=delay)
            return False  # it finished first: a pass (or maintenance), not a kill
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return True
        finally:
            assert process.stdout is not None
            process.stdout.close()

    def serve(self, log: Path) -> tuple[subprocess.Popen[bytes], Ports]:
        """`backlot serve` on this home and free ports, its output in `log`: the process and its ports."""
        ports = Ports(free_port(), free_port(), free_port())
        options = ("--dagster-port", str(ports.ui), "--api-port", str(ports.api))
        process = self.start("serve", *options, "--dashboard-port", str(ports.dashboard), log=log)
        return process, ports

    def kill_serve_after(self, delay: float) -> None:
        """Start `backlot serve`, SIGKILL it after `delay` seconds, and wait until what it started is gone."""
        log = self.home.parent / f"{self.home.name}-serve.log"
        serve, _ = self.serve(log)
        try:
            with contextlib.suppress(subprocess.TimeoutExpired):
                serve.wait(timeout=delay)
            assert serve.returncode is None, f"serve ended by itself, before its kill:\n{log.read_text()[-3000:]}"
        finally:
            os.kill(serve.pid, signal.SIGKILL)
            serve.wait()
            # Its services stop with it (they get SIGTERM from the kernel), and stop what they started.
            deadline = time.monotonic() + 120
            while instance.serve_processes(self.home / "dagster") and time.monotonic() < deadline:
                time.sleep(0.5)
            left = instance.serve_processes(self.home / "dagster")
            for pid in left:  # not to leave them to the next test
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        assert left == [], "a killed serve left processes behind"

    def connect(self) -> duckdb.DuckDBPyConnection:
        return lakehouse.connect(self.settings, read_only=True)


@dataclass(frozen=True)
class Durations:
    """How long an uninterrupted pass, maintenance and serve's first publish take: the range of the kill delays."""

    passes: float
    maintenance: float
    serve: float = 90.0  # start-up, a sensor tick (15 s) and a pass


def crash_loop(crasher: Crasher, *, seed: int, kills_per_round: int, durations: Durations) -> Findings:
    """Each round: deliver; kill serve, passes and maintenance at random moments; then a pass and a
    maintenance to the end."""
    rng = random.Random(seed)
    findings = Findings()
    stop = threading.Event()
    reader = threading.Thread(target=read_throughout, args=(crasher, stop, findings), daemon=True)
    reader.start()
    try:
        for number, round_ in enumerate(ROUNDS):
            crasher.deliver(round_)
            # A serve kill costs a start-up and a sensor tick, maintenance little to kill: fewer
            # of each than of passes (at least one serve kill, in the first round).
            for _ in range(max(kills_per_round // 6, 1 if number == 0 else 0)):
                crasher.kill_serve_after(rng.uniform(5, durations.serve))
                findings.kills += 1
                findings.phases["serve"] += 1
            for _ in range(kills_per_round):
                runs_before = _run_ids(crasher.home)
                if crasher.kill_during(rng.uniform(0.2, durations.passes)):
                    findings.kills += 1
                    findings.phases[_phase(crasher.home, runs_before)] += 1
                else:
                    findings.finished_first += 1
            crasher.run()
            findings.passes += 1
            for _ in range(max(1, kills_per_round // 2)):
                if crasher.kill_during(rng.uniform(0.2, durations.maintenance), "maintain"):
                    findings.kills += 1
                    findings.phases["maintain"] += 1
                else:
                    findings.finished_first += 1
            crasher.run("maintain")
            findings.maintenances += 1
    finally:
        stop.set()
        reader.join()
    return findings


def read_throughout(crasher: Crasher, stop: threading.Event, findings: Findings) -> None:
    """Read the latest publish and the marts in one snapshot, over and over: the counts must agree."""
    while not stop.is_set():
        if (
            not crasher.settings.catalog.startswith("sqlite:")
            or not Path(crasher.settings.catalog.removeprefix("sqlite:")).exists()
        ):
            time.sleep(0.2)
            continue
        try:
            con = crasher.connect()
            try:
                con.execute("BEGIN")
                latest = con.execute(
                    "SELECT publish_id, mart_rows FROM meta.publishes ORDER BY publish_id DESC LIMIT 1"
                ).fetchone()
                if latest is not None:
                    for mart, rows in dict(latest[1]).items():
                        seen = con.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()
                        if seen is None or seen[0] != rows:
                            findings.partial_reads.append(f"publish {latest[0]}: {mart} {seen} rows, recorded {rows}")
                con.execute("COMMIT")
                findings.reads += 1
            finally:
                con.close()
        except duckdb.Error as error:
            if any(reason in str(error) for reason in NOT_A_LAKE_YET):
                continue  # the first pass had not made the lake yet (or was killed making it)
            findings.reader_errors.append(str(error).splitlines()[0])
        time.sleep(0.05)


def _run_ids(home: Path) -> set[str]:
    import dagster as dg

    dagster_home = home / "dagster"
    if not (dagster_home / "dagster.yaml").exists():
        return set()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return {record.dagster_run.run_id for record in instance.get_run_records()}


def _phase(home: Path, runs_before: set[str]) -> str:
    """The step the killed run had started last, or where the process was before its run began."""
    import dagster as dg

    dagster_home = home / "dagster"
    if not (dagster_home / "dagster.yaml").exists():
        return "starting up"
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        new = [r.dagster_run.run_id for r in instance.get_run_records() if r.dagster_run.run_id not in runs_before]
        if not new:
            return "starting up"
        steps = instance.all_logs(new[0], of_type=dg.DagsterEventType.STEP_START)
        return steps[-1].step_key or "run started" if steps else "run started"


def outcome(crasher: Crasher) -> dict[str, Any]:
    """What a home holds once a pass has run to the end: loads, rows per file, marts, run states."""
    import dagster as dg

    con = crasher.connect()
    try:
        # A file killed after its commit and before it left the queue is seen again: a duplicate
        # of itself, which adds a row to meta.loads and nothing to raw. What counts is the rest.
        loads = con.execute(
            "SELECT source, file_sha256, list(status ORDER BY status) FILTER (WHERE status <> 'duplicate') "
            "FROM meta.loads GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        rows = {}
        for source in SOURCES:
            for schema in ("raw", "quarantine"):
                if con.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                    "AND table_name = ?",
                    [lakehouse.LAKE, schema, source],
                ).fetchone() == (1,):
                    for sha, count in con.execute(
                        f"SELECT _file_sha256, count(*) FROM {schema}.{source} GROUP BY ALL"
                    ).fetchall():
                        rows[(source, schema, sha)] = count
        marts = {
            mart: [_rounded(row) for row in con.execute(f"FROM marts.{mart} ORDER BY ALL").fetchall()] for mart in MARTS
        }
    finally:
        con.close()
    with dg.DagsterInstance.from_config(str(crasher.home / "dagster")) as instance:
        in_flight = [
            dg.DagsterRunStatus.NOT_STARTED,  # a run a killed process created and never started
            dg.DagsterRunStatus.STARTING,
            dg.DagsterRunStatus.STARTED,
            dg.DagsterRunStatus.CANCELING,
        ]
        left_started = [
            r.dagster_run.run_id for r in instance.get_run_records(filters=dg.RunsFilter(statuses=in_flight))
        ]
    return {"loads": loads, "rows": rows, "marts": marts, "left_started": left_started}


def _rounded(row: tuple[object, ...]) -> tuple[object, ...]:
    """Floats to 9 significant digits: sums over the same rows may be added in another order."""
    return tuple(float(f"{value:.9g}") if isinstance(value, float) else value for value in row)


def differences(expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """What the crashed home holds that the uninterrupted one does not, and the reverse, readably."""
    found = []
    for mart, rows in expected["marts"].items():
        missing = [row for row in rows if row not in got["marts"][mart]]
        extra = [row for row in got["marts"][mart] if row not in rows]
        if missing or extra:
            found.append(f"marts.{mart}: {len(missing)} rows missing {missing[:3]}, {len(extra)} extra {extra[:3]}")
    for key, as_set in (("loads", _loads), ("rows", lambda rows: set(rows.items()))):
        want, have = as_set(expected[key]), as_set(got[key])
        if want != have:
            found.append(f"{key}: missing {sorted(want - have)}, extra {sorted(have - want)}")
    if got["left_started"]:
        found.append(f"runs left started: {got['left_started']}")
    return found


def _loads(loads: list[tuple[str, str, list[str] | None]]) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(source, sha, tuple(statuses or ())) for source, sha, statuses in loads}


def post(port: int, source: str, name: str, body: str | bytes) -> int:
    """Deliver `body` as `name` to the ingest API on `port`, as a producer does; the status."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/landing/{source}",
        data=body.encode() if isinstance(body, str) else body,
        method="POST",
        headers={
            "Authorization": f"Bearer {INGEST_TOKEN}",
            "X-Backlot-Filename": name,
            "Content-Type": "application/octet-stream",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(response.status)


def season(days: int) -> str:
    """Daily grosses of one film for `days` days from its release, reported late: a backfill of history."""
    first = date(2026, 7, 15)
    rows = [
        f"{first + timedelta(days=n)},Level Zero,{900_000 - n * 7},1500,false,2026-12-01T00:00:00Z" for n in range(days)
    ]
    return "date,title,gross_usd,theaters,is_estimate,reported_at\n" + "\n".join(rows) + "\n"
