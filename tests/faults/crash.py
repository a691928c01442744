"""Kill `backlot run` at random moments, restart it, and check that nothing was lost or half-published.

A `Crasher` owns one BACKLOT_HOME. Files are delivered in rounds; after each round the
pipeline is started as a separate process (`python -m pipelines.cli run`, what cron runs) and
SIGKILLed after a random delay, several times over, then run once more to the end. The
delays are drawn from a seeded generator over the length of an uninterrupted pass, so kills
land in every phase: imports, loading, the dbt build, the checks, the publish. A reader
thread reads the published marts throughout, as an analyst would.

`compare` then holds the home to the promises: every landed file loaded exactly once, raw
plus quarantine equal to what an uninterrupted run made of the same files, the same
published marts, no run left "started" in the Dagster instance, and no reader that saw a
publish half-made (marts whose row counts differ from the publish record they read with).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines import lakehouse
from pipelines.lib.landing import deliver
from pipelines.settings import REPO_ROOT, lake_settings
from pipelines.sources import SOURCES
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

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
    passes: int = 0
    phases: Counter[str] = field(default_factory=Counter)  # where the kills landed
    reads: int = 0
    partial_reads: list[str] = field(default_factory=list)
    reader_errors: list[str] = field(default_factory=list)


def env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BACKLOT_HOME": str(home),
        "DAGSTER_DISABLE_TELEMETRY": "true",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


class Crasher:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.settings = lake_settings(home)

    def deliver(self, round_: list[tuple[str, str, str | Path]]) -> None:
        for source, name, content in round_:
            data = content.read_bytes() if isinstance(content, Path) else content.encode()
            deliver(self.settings.landing(source), name, data)

    def start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run"],
            env=env(self.home),
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def run(self, timeout: float = 600) -> float:
        """One pass to the end; its duration. It must leave the published marts current."""
        started = time.perf_counter()
        process = self.start()
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # a pass that never ends (waiting for a lock a killed one held)
            process.kill()
            output, _ = process.communicate()
            raise AssertionError(f"a pass did not end in {timeout:.0f} s:\n{output.decode()}") from None
        assert process.returncode == 0, output.decode()
        return time.perf_counter() - started

    def kill_during_a_pass(self, delay: float) -> None:
        process = self.start()
        try:
            process.wait(timeout=delay)  # it finished first: that is a pass, not a kill
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        finally:
            assert process.stdout is not None
            process.stdout.close()

    def connect(self) -> duckdb.DuckDBPyConnection:
        return lakehouse.connect(self.settings, read_only=True)


def crash_loop(crasher: Crasher, *, seed: int, kills_per_round: int, pass_seconds: float) -> Findings:
    """Each round: deliver, kill `kills_per_round` passes at random moments, then one pass to the end."""
    rng = random.Random(seed)
    findings = Findings()
    stop = threading.Event()
    reader = threading.Thread(target=read_throughout, args=(crasher, stop, findings), daemon=True)
    reader.start()
    try:
        for round_ in ROUNDS:
            crasher.deliver(round_)
            for _ in range(kills_per_round):
                runs_before = _run_ids(crasher.home)
                crasher.kill_during_a_pass(rng.uniform(0.2, pass_seconds))
                findings.kills += 1
                findings.phases[_phase(crasher.home, runs_before)] += 1
            crasher.run()
            findings.passes += 1
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


def outcome(crasher: Crasher) -> dict[str, object]:
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
        in_flight = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
        left_started = [
            r.dagster_run.run_id for r in instance.get_run_records(filters=dg.RunsFilter(statuses=in_flight))
        ]
    return {"loads": loads, "rows": rows, "marts": marts, "left_started": left_started}


def _rounded(row: tuple[object, ...]) -> tuple[object, ...]:
    """Floats to 9 significant digits: sums over the same rows may be added in another order."""
    return tuple(float(f"{value:.9g}") if isinstance(value, float) else value for value in row)
