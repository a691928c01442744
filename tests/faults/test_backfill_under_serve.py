"""A backfill under `serve` while producers keep delivering: sensor-launched runs overlap it.

An operator launches a full rebuild of the pipeline from the Dagster UI (through the GraphQL
API the UI itself uses) while a season of box-office history lands, and producers go on
pushing files through the ingest API, so the sensors ask for runs while the backfill runs.
The instance admits one lake-writing run at a time: the rest queue, none fails with a lock
error, every file is loaded once, and the marts end where an uninterrupted `backlot run` of
the same files does.
"""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
from dagster_graphql import DagsterGraphQLClient

from pipelines.defs.jobs import IN_PROCESS, PIPELINE_JOB
from pipelines.defs.landing_sensors import BUSY
from pipelines.lib import landing
from pipelines.sources import SOURCES
from tests.faults.crash import ROUNDS, Crasher, differences, outcome, post, season, stop
from tests.net import wait_for

SETTLED_WITHIN = 600


BACKFILL = [("box_office_daily", "history-2026.csv", season(120))]


def _settled(crasher: Crasher, instance: dg.DagsterInstance) -> bool:
    """Nothing waits in landing and no run is queued or going."""
    waiting = any(landing.waiting_paths(crasher.settings.landing(source)) for source in SOURCES)
    return not waiting and not instance.get_run_records(filters=dg.RunsFilter(statuses=list(BUSY)), limit=1)


def test_sensor_runs_overlapping_a_backfill_load_everything_once(tmp_path: Path) -> None:
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
            deadline = time.monotonic() + SETTLED_WITHIN
            while not instance.get_run_records(limit=1) and time.monotonic() < deadline:
                time.sleep(1)  # the sensors' first run, for ROUNDS[0]

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

            deadline = time.monotonic() + SETTLED_WITHIN
            while not _settled(served, instance) and time.monotonic() < deadline:
                time.sleep(2)
            assert _settled(served, instance), "files still waiting or runs still going"
            runs = instance.get_run_records(filters=dg.RunsFilter(job_name=PIPELINE_JOB))
            statuses = {record.dagster_run.run_id: record.dagster_run.status for record in runs}
            errors = [
                event.message
                for run_id in statuses
                for event in instance.all_logs(run_id)
                if "locked" in (event.message or "").lower()
            ]
    finally:
        stop(serve)

    assert statuses[backfill] == dg.DagsterRunStatus.SUCCESS
    assert len(statuses) >= 2  # the sensors' first run and the backfill (what came during it may join either)
    assert set(statuses.values()) == {dg.DagsterRunStatus.SUCCESS}, log.read_text()[-3000:]
    assert errors == []
    assert differences(expected, outcome(served)) == []
