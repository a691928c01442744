"""Lake upkeep in Dagster: the nightly job on the home's instance, and `backlot maintain` on the same instance."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pipelines import cli, instance, lakehouse
from pipelines.defs.maintenance.jobs import MAINTENANCE_JOB
from pipelines.defs.resources import LAKE_WRITERS_POOL
from pipelines.lib.maintenance import METADATA
from pipelines.settings import load_settings


def _small_commits(commits: int = 8) -> None:
    con = lakehouse.connect(load_settings())
    try:
        con.execute("CREATE TABLE IF NOT EXISTS raw.ticks (i BIGINT)")
        for k in range(commits):
            con.execute("INSERT INTO raw.ticks SELECT i FROM range(?, ?) t(i)", [k * 25, (k + 1) * 25])
    finally:
        con.close()


def _live_files() -> int:
    con = lakehouse.connect(load_settings())
    try:
        row = con.execute(f"SELECT count(*) FROM {METADATA}.ducklake_data_file WHERE end_snapshot IS NULL").fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0])


def maintenance_job() -> dg.JobDefinition:
    from pipelines.definitions import defs

    return defs.resolve_job_def(MAINTENANCE_JOB)


def test_the_job_is_a_lake_writer_scheduled_nightly_in_los_angeles() -> None:
    from pipelines.definitions import defs

    job = maintenance_job()
    assert job.graph.node_named("maintain_lake").definition.pool == LAKE_WRITERS_POOL
    schedule = defs.resolve_schedule_def("backlot_maintenance_nightly")
    assert (schedule.job_name, schedule.cron_schedule, schedule.execution_timezone) == (
        MAINTENANCE_JOB,
        "30 2 * * *",
        "America/Los_Angeles",
    )
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_the_job_maintains_the_lake_and_deletes_runs_past_their_retention(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _small_commits()
    files = _live_files()
    dagster_home = instance.prepare(load_settings())

    with dg.DagsterInstance.from_config(str(dagster_home)) as dagster:
        first = maintenance_job().execute_in_process(instance=dagster)
        assert first.success
        assert _live_files() <= files - 7  # eight small files merged into one
        [output] = [e for e in first.events_for_node("maintain_lake") if e.is_successful_output]
        assert output.step_output_data.metadata["files_merged"].value >= 8
        assert dagster.get_run_by_id(first.run_id) is not None  # 90 days of runs are kept

        monkeypatch.setenv("BACKLOT_RUN_RETENTION_DAYS", "0")
        second = maintenance_job().execute_in_process(instance=dagster)

        assert second.success
        assert dagster.get_run_by_id(first.run_id) is None
        assert dagster.get_run_by_id(second.run_id) is not None  # it was running: never deleted
        messages = [entry.user_message for entry in dagster.all_logs(second.run_id)]
    assert any(m.startswith("lake maintenance: done in ") for m in messages)
    assert any(m == "deleted 1 Dagster runs older than 0 days" for m in messages)


def test_backlot_maintain_also_deletes_old_runs_of_the_homes_instance(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _small_commits(2)
    dagster_home = instance.prepare(load_settings())
    with dg.DagsterInstance.from_config(str(dagster_home)) as dagster:
        old = maintenance_job().execute_in_process(instance=dagster)
    monkeypatch.setenv("BACKLOT_RUN_RETENTION_DAYS", "0")
    capsys.readouterr()

    assert cli.main(["maintain"]) == 0

    out = capsys.readouterr().out
    assert "snapshots expired: " in out
    assert out.rstrip().endswith("dagster runs deleted: 1 (older than 0 days)")
    with dg.DagsterInstance.from_config(str(dagster_home)) as dagster:
        assert dagster.get_run_by_id(old.run_id) is None
