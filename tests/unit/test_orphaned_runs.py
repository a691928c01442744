"""Runs whose process died are told apart from live ones, in the home's real Dagster instance."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import dagster as dg
from dagster._core.events import EngineEventData

from pipelines import instance
from pipelines.launcher import STARTED_PROCESS, WatchedRunLauncher, worker_gone
from pipelines.settings import Settings


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _run(dagster: dg.DagsterInstance, status: dg.DagsterRunStatus, tags: dict[str, str]) -> dg.DagsterRun:
    return dagster.add_run(dg.DagsterRun(job_name="backlot_pipeline", status=status, tags=tags))


def _status(dagster: dg.DagsterInstance, run: dg.DagsterRun) -> dg.DagsterRunStatus:
    found = dagster.get_run_by_id(run.run_id)
    assert found is not None
    return found.status


def test_runs_of_dead_processes_are_failed_and_live_ones_left(settings: Settings) -> None:
    dagster_home = instance.prepare(settings)
    dead = {instance.OWNER_TAG: f"{socket.gethostname()}:{_dead_pid()}:12345"}
    with dg.DagsterInstance.from_config(str(dagster_home)) as dagster:
        # Killed between creating its run and starting it: the sensors waited on it for ever.
        never_started = _run(dagster, dg.DagsterRunStatus.NOT_STARTED, dead)
        killed = _run(dagster, dg.DagsterRunStatus.STARTED, dead)
        mine = _run(dagster, dg.DagsterRunStatus.STARTED, instance.owner_tags())
        elsewhere = _run(dagster, dg.DagsterRunStatus.STARTED, {instance.OWNER_TAG: f"another-host:{os.getpid()}:1"})
        served = _run(dagster, dg.DagsterRunStatus.STARTED, {})

        failed = instance.fail_orphaned_runs(dagster)
        assert set(failed) == {never_started.run_id, killed.run_id}
        assert _status(dagster, mine) == _status(dagster, elsewhere) == _status(dagster, served)
        assert _status(dagster, served) == dg.DagsterRunStatus.STARTED

        assert instance.fail_orphaned_runs(dagster, unowned="serve is gone") == [served.run_id]
        assert _status(dagster, mine) == dg.DagsterRunStatus.STARTED


def test_serve_is_gone_only_when_none_of_its_processes_is_left(settings: Settings) -> None:
    dagster_home = instance.prepare(settings)
    assert instance.serve_gone(settings) is not None
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], env={**os.environ, "DAGSTER_HOME": str(dagster_home)}
    )
    try:
        assert instance.serve_processes(dagster_home) == [sleeper.pid]
        assert instance.serve_gone(settings) is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_the_launcher_tells_run_monitoring_a_worker_died(settings: Settings) -> None:
    dagster_home = instance.prepare(settings)
    with dg.DagsterInstance.from_config(str(dagster_home)) as dagster:
        assert isinstance(dagster.run_launcher, WatchedRunLauncher)
        assert dagster.run_launcher.supports_check_run_worker_health

        waiting = _run(dagster, dg.DagsterRunStatus.STARTED, {})
        assert worker_gone(dagster, waiting) is None  # no worker yet: the start timeout covers it

        alive = _run(dagster, dg.DagsterRunStatus.STARTED, {})
        dagster.report_engine_event(
            f"{STARTED_PROCESS} (pid: {os.getpid()}).", alive, EngineEventData.in_process(os.getpid())
        )
        assert worker_gone(dagster, alive) is None
        health = dagster.run_launcher.check_run_worker_health(alive)
        assert health.status.value == "RUNNING"

        killed = _run(dagster, dg.DagsterRunStatus.STARTED, {})
        pid = _dead_pid()
        dagster.report_engine_event(f"{STARTED_PROCESS} (pid: {pid}).", killed, EngineEventData.in_process(pid))
        assert f"process {pid} ended" in (worker_gone(dagster, killed) or "")
        assert dagster.run_launcher.check_run_worker_health(killed).status.value == "FAILED"
