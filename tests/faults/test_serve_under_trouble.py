"""`serve` left to itself through a killed run worker and a backfill that sensor runs overlap.

1. The first run the sensors start has its worker SIGKILLed (the OOM killer, say). Dagster's
   run monitoring, told by Backlot's launcher (pipelines/launcher.py) that the worker is
   gone, fails the run, and the daemon retries it: the files it was loading are published
   with nobody sending them again.
2. Then an operator launches a full rebuild from the Dagster UI (through the GraphQL API the
   UI itself uses) while a season of box-office history lands, and producers go on pushing
   files through the ingest API, so the sensors ask for runs while the backfill runs. The
   instance admits one lake-writing run at a time: the rest queue, and none fails with a
   lock error.

At the end every file is loaded once and the marts are those of uninterrupted `backlot run`s
of the same files.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dagster as dg
from dagster_graphql import DagsterGraphQLClient

from pipelines.defs.jobs import IN_PROCESS, PIPELINE_JOB
from pipelines.defs.landing_sensors import BUSY
from pipelines.launcher import STARTED_PROCESS
from pipelines.lib import landing
from pipelines.sources import SOURCES
from tests.faults.crash import ROUNDS, Crasher, differences, outcome, post, season, stop
from tests.net import wait_for

WITHIN = 600
BACKFILL = [("box_office_daily", "history-2026.csv", season(120))]


def _settled(crasher: Crasher, instance: dg.DagsterInstance) -> bool:
    """Nothing waits in landing and no run is queued or going."""
    waiting = any(landing.waiting_paths(crasher.settings.landing(source)) for source in SOURCES)
    return not waiting and not instance.get_run_records(filters=dg.RunsFilter(statuses=list(BUSY)), limit=1)


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        if (event.message or "").startswith(STARTED_PROCESS) and event.dagster_event:
            return int(str(event.dagster_event.engine_event_data.metadata["pid"].value))
    return None


def _kill_the_first_run_worker(instance: dg.DagsterInstance) -> str:
    """SIGKILL the worker of the first run the sensors start, a few seconds into its steps; the run's id."""
    deadline = time.monotonic() + WITHIN
    while time.monotonic() < deadline:
        started = instance.get_run_records(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        worker = _worker_pid(instance, started[0].dagster_run.run_id) if started else None
        if worker is not None:
            time.sleep(3)
            os.kill(worker, signal.SIGKILL)
            return started[0].dagster_run.run_id
        time.sleep(0.5)
    raise AssertionError("no run worker started")


def test_serve_gets_through_a_killed_worker_and_a_backfill_overlapped_by_sensor_runs(tmp_path: Path) -> None:
    reference = Crasher(tmp_path / "reference")
    reference.deliver(ROUNDS[0])
    reference.run()
    reference.deliver(BACKFILL + ROUNDS[1])
    reference.run()
    expected = outcome(reference)

    served = Crasher(tmp_path / "served")
    served.deliver(ROUNDS[0])
    log = tmp_path / "serve.log"
    serve, ports = served.serve(log)
    try:
        wait_for(f"http://127.0.0.1:{ports.ui}/server_info", 120)
        wait_for(f"http://127.0.0.1:{ports.api}/healthz", 60)
        with dg.DagsterInstance.from_config(str(served.home / "dagster")) as instance:
            killed = _kill_the_first_run_worker(instance)
            deadline = time.monotonic() + WITHIN
            while not _settled(served, instance) and time.monotonic() < deadline:
                time.sleep(2)  # failed by run monitoring, then retried to the end

            # The backfill: history lands and the operator asks for a full rebuild from the UI.
            served.deliver(BACKFILL)
            backfill = DagsterGraphQLClient("127.0.0.1", port_number=ports.ui).submit_job_execution(
                PIPELINE_JOB,
                run_config={**IN_PROCESS, "ops": {"dbt_models": {"config": {"full_refresh": True}}}},
                tags={"backlot/backfill": "box office history"},
            )
            # Producers keep delivering while it is queued and while it runs.
            for source, name, content in ROUNDS[1]:
                body = content.read_text() if isinstance(content, Path) else content
                assert post(ports.api, source, name, body) in (200, 202)
                time.sleep(5)

            deadline = time.monotonic() + WITHIN
            while not _settled(served, instance) and time.monotonic() < deadline:
                time.sleep(2)
            assert _settled(served, instance), "files still waiting or runs still going"
            runs = {r.dagster_run.run_id: r.dagster_run for r in instance.get_run_records()}
            errors = [
                event.message
                for run_id in runs
                for event in instance.all_logs(run_id)
                if "locked" in (event.message or "").lower()
            ]
    finally:
        stop(serve)

    tail = log.read_text()[-3000:]
    assert runs[killed].status == dg.DagsterRunStatus.FAILURE, tail
    retries = [run for run in runs.values() if run.parent_run_id == killed]
    assert [run.status for run in retries] == [dg.DagsterRunStatus.SUCCESS], tail
    assert runs[backfill].status == dg.DagsterRunStatus.SUCCESS, tail
    others = [run.status for run_id, run in runs.items() if run_id != killed]
    assert set(others) == {dg.DagsterRunStatus.SUCCESS}, tail
    assert errors == []
    assert differences(expected, outcome(served)) == []
