"""A run worker killed under a running `serve` (the OOM killer, a stray SIGKILL): the daemon's run
monitoring fails the run, its slot in the lake writers' pool is freed, and the retry publishes
the files it was loading, each loaded once, with nobody sending them again."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dagster as dg

from pipelines.launcher import STARTED_PROCESS
from tests.faults.crash import ROUNDS, Crasher, differences, outcome, stop
from tests.net import wait_for

WITHIN = 600


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        if (event.message or "").startswith(STARTED_PROCESS) and event.dagster_event:
            return int(str(event.dagster_event.engine_event_data.metadata["pid"].value))
    return None


def test_a_killed_run_worker_is_failed_retried_and_its_files_published(tmp_path: Path) -> None:
    reference = Crasher(tmp_path / "reference")
    reference.deliver(ROUNDS[0])
    reference.run()

    served = Crasher(tmp_path / "served")
    served.deliver(ROUNDS[0])
    log = tmp_path / "serve.log"
    serve, ports = served.serve(log)
    try:
        wait_for(f"http://127.0.0.1:{ports.api}/healthz", 120)
        with dg.DagsterInstance.from_config(str(served.home / "dagster")) as instance:
            deadline = time.monotonic() + WITHIN
            worker = None
            while worker is None and time.monotonic() < deadline:
                time.sleep(0.5)
                started = instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
                if started:
                    run_id = started[0].dagster_run.run_id
                    worker = _worker_pid(instance, run_id)
            assert worker is not None, "no run worker started"
            time.sleep(3)  # into its steps
            os.kill(worker, signal.SIGKILL)

            deadline = time.monotonic() + WITHIN
            while time.monotonic() < deadline:
                runs = {r.dagster_run.run_id: r.dagster_run for r in instance.get_run_records()}
                retries = [run for run in runs.values() if run.parent_run_id == run_id]
                if retries and retries[0].status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE):
                    break
                time.sleep(2)
            killed = runs[run_id]
    finally:
        stop(serve)

    assert killed.status == dg.DagsterRunStatus.FAILURE, log.read_text()[-3000:]
    assert retries, "the killed run was not retried"
    assert retries[0].status == dg.DagsterRunStatus.SUCCESS, log.read_text()[-3000:]
    assert differences(outcome(reference), outcome(served)) == []
