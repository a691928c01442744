"""The run launcher of `serve`'s instance: Dagster's default one, which can tell when a run's worker died.

Dagster's run monitoring (dagster.yaml) fails a run whose worker is gone, but only if the
launcher can say so, and the default launcher cannot: a run worker killed under a running
`serve` (the OOM killer, a stray SIGKILL) left its run "started" for ever, holding the lake
writers' pool slot, so every later run waited. This launcher answers from the process table:

- a run started by the daemon records its worker's pid in the engine event "Started process
  for run"; the worker is alive while that pid is a live process that started before it;
- a `backlot run` names its process in a tag (instance.OWNER_TAG), checked the same way.

When it cannot tell (no worker recorded yet, another host), it says running: run
monitoring's start timeout still covers a worker that never started.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

from pipelines import instance

STARTED_PROCESS = "Started process for run"


class WatchedRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher with a worker health check (see the module docstring)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        gone = worker_gone(self._instance, run)
        if gone:
            return CheckRunHealthResult(WorkerStatus.FAILED, gone)
        return CheckRunHealthResult(WorkerStatus.RUNNING)


def worker_gone(dagster: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    """Why the process executing `run` is known to have ended, or None while it may be alive."""
    owner = run.tags.get(instance.OWNER_TAG)
    if owner is not None:
        host, pid, started = owner.rsplit(":", 2)
        if host == socket.gethostname() and instance.process_started(int(pid)) != started:
            return f"its `backlot run` process {pid} ended before the run did (killed or crashed)"
        return None
    events = dagster.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
    started_events = [event for event in events if (event.message or "").startswith(STARTED_PROCESS)]
    if not started_events:
        return None
    event = started_events[-1]
    metadata = event.dagster_event.engine_event_data.metadata if event.dagster_event else {}
    if "pid" not in metadata:
        return None
    pid = int(str(metadata["pid"].value))
    if _alive_since(pid, event.timestamp):
        return None
    return f"its run worker process {pid} ended before the run did (killed or crashed)"


def _alive_since(pid: int, moment: float) -> bool:
    """Whether `pid` is a live process (not a zombie) that started no later than `moment`."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses
    if fields[0] == "Z":
        return False  # killed, not yet reaped by the code server that started it
    started = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= moment + 1  # a later start is another process that was given the pid


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return time.time() - time.monotonic()
