"""`backlot serve`: the long-running services, started and supervised as child processes.

The Dagster webserver (the UI) and daemon (sensors, schedules, the run queue) on the home's
instance, the ingest API and the investor dashboard. Each child runs in a process group of its own, so stopping it
stops whatever it started (code servers, run workers). Nothing is restarted silently: when a
child exits on its own, `serve` says which and how, stops the others and exits 1. On SIGINT
or SIGTERM it stops every child, then marks any run they left "started" as failed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipelines import instance
from pipelines.settings import REPO_ROOT, Settings, http_url

WORKSPACE = REPO_ROOT / "workspace.yaml"
# How long a child has to stop after SIGTERM before its process group is killed.
STOP_TIMEOUT = 30.0


@dataclass
class Service:
    name: str
    command: list[str]
    url: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)


def services(settings: Settings, *, insecure_no_auth: bool = False) -> list[Service]:
    """The children `serve` starts, on the settings' addresses."""
    bin_dir = Path(sys.executable).parent
    ui = [str(bin_dir / "dagster-webserver"), "-w", str(WORKSPACE)]
    ui += ["-h", settings.dagster_host, "-p", str(settings.dagster_port)]
    api = [sys.executable, "-m", "pipelines.cli", "api", "--host", settings.api_host, "--port", str(settings.api_port)]
    if insecure_no_auth:
        api.append("--insecure-no-auth")
    dashboard = [sys.executable, "-m", "pipelines.cli", "dashboard"]
    dashboard += ["--host", settings.dashboard_host, "--port", str(settings.dashboard_port)]
    return [
        Service(
            "dagster-webserver",
            ui,
            http_url(settings.dagster_host, settings.dagster_port),
        ),
        Service("dagster-daemon", [str(bin_dir / "dagster-daemon"), "run", "-w", str(WORKSPACE)], "(no port)"),
        Service("ingest-api", api, http_url(settings.api_host, settings.api_port) + "/v1/landing/<source>"),
        Service("dashboard", dashboard, http_url(settings.dashboard_host, settings.dashboard_port)),
    ]


class _Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def serve(settings: Settings, *, insecure_no_auth: bool = False) -> int:
    """Run the services until a signal (exit 0) or until one of them exits on its own (exit 1)."""
    dagster_home = instance.prepare(settings)
    _fail_runs_of_a_killed_serve(settings)
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    children = services(settings, insecure_no_auth=insecure_no_auth)

    def stop(signum: int, _frame: object) -> None:
        raise _Stop(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        for child in children:
            child.process = subprocess.Popen(
                child.command,
                env=env,
                cwd=REPO_ROOT,
                start_new_session=True,
                preexec_fn=_stop_with_parent,  # noqa: PLW1509 (a bare system call: see _stop_with_parent)
            )
            print(f"backlot serve: {child.name:<18} {child.url} (pid {child.process.pid})", flush=True)
        print(f"backlot serve: home {settings.home}; Ctrl-C stops every service", flush=True)
        while True:
            for child in children:
                assert child.process is not None
                returncode = child.process.poll()
                if returncode is not None:
                    print(
                        f"backlot serve: {child.name} exited on its own with code {returncode}; "
                        "stopping the other services",
                        file=sys.stderr,
                        flush=True,
                    )
                    code = 1
                    raise _Stop("child exited")
            time.sleep(0.5)
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the shutdown
        _stop_all(children)
        _fail_runs_left_started(dagster_home)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("backlot serve: stopped", flush=True)
    return code


# prctl(2), looked up here rather than in the forked child, which then only makes the call.
_PRCTL = ctypes.CDLL(None).prctl if sys.platform == "linux" else None
PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """In a child, between fork and exec: SIGTERM it when `serve` dies, even by SIGKILL (Linux).

    Each child has a session of its own (so stopping it stops what it started); without this,
    a killed `serve` would leave them running, holding their ports, and the next one could
    not start. A bare system call, so it is safe in a child forked from a threaded process.
    """
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def _fail_runs_of_a_killed_serve(settings: Settings) -> None:
    """Runs a killed `serve` left in flight are marked failed, once none of its processes is left."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as dagster:
        for run_id in instance.fail_orphaned_runs(dagster, unowned=instance.serve_gone(settings)):
            print(f"backlot serve: run {run_id} was left in flight by a killed serve: marked failed", flush=True)


def _stop_all(children: list[Service]) -> None:
    """SIGTERM every child's process group; SIGKILL the groups still there after STOP_TIMEOUT."""
    running = [c for c in children if c.process is not None and c.process.poll() is None]
    for child in running:
        assert child.process is not None
        _signal_group(child.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in running:
        assert child.process is not None
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"backlot serve: {child.name} did not stop in {STOP_TIMEOUT:.0f} s; killing it", file=sys.stderr)
            _signal_group(child.process.pid, signal.SIGKILL)
            child.process.wait()
    for child in children:  # whatever the children started and left behind in their groups
        if child.process is not None:
            _signal_group(child.process.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group has ended
        os.killpg(pgid, sig)


def _fail_runs_left_started(dagster_home: Path) -> None:
    """Runs whose workers were stopped with the services are marked failed, never left "started".

    A `backlot run` still running on the same home is left alone: its process is alive.
    """
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as dagster:
        for run_id in instance.fail_orphaned_runs(dagster, unowned="stopped by `backlot serve` shutting down"):
            print(f"backlot serve: run {run_id} was in flight: marked failed", flush=True)
