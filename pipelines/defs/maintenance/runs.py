"""Forget Dagster runs older than `run_retention_days`: their event logs grow the instance's storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from pipelines import instance as home_instance
from pipelines.settings import Settings

# Only finished runs: a queued or running one (this maintenance run among them) is never deleted.
FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def delete_old_runs(instance: dg.DagsterInstance, retention_days: int, now: datetime | None = None) -> list[str]:
    """Delete the finished runs created more than `retention_days` before `now`, with their events; their ids."""
    created_before = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    records = instance.get_run_records(dg.RunsFilter(created_before=created_before, statuses=FINISHED))
    deleted = []
    for record in records:
        instance.delete_run(record.dagster_run.run_id)
        deleted.append(record.dagster_run.run_id)
    return deleted


def delete_old_runs_in_home(settings: Settings, now: datetime | None = None) -> list[str]:
    """The same, in the home's instance (BACKLOT_HOME/dagster), for `backlot maintain`."""
    dagster_home = home_instance.prepare(settings)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return delete_old_runs(instance, settings.run_retention_days, now)
