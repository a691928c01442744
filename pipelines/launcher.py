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
    if instance.OWNER_TAG in run.tags:
        return instance.owner_gone(run)
    started = [
        event
        for event in dagster.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
        if (event.message or "").startswith(STARTED_PROCESS) and event.dagster_event
    ]
    if not started:
        return None
    event = started[-1]
    assert event.dagster_event is not None
    pid = event.dagster_event.engine_event_data.metadata.get("pid")
    if pid is None or _alive_since(int(str(pid.value)), event.timestamp):
        return None
    return f"its run worker process {pid.value} ended before the run did (killed or crashed)"


def _alive_since(pid: int, moment: float) -> bool:
    """Whether `pid` is a live process (not a zombie) that started no later than `moment`."""
    fields = instance.process_stat(pid)
    if fields is None:
        return False
    if fields[0] == "Z":
        return False  # killed, not yet reaped by the code server that started it
    started = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= moment + 1  # a later start is another process that was given the pid


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return time.time() - time.monotonic()
