"""`backlot status`: the lake's own account (loads, publishes, checks) plus what operators watch.

Beside `query.status()`: each source's freshness against its usual interval, the runs that
failed since the last publish (and why), and the runs queued or in progress in the home's
Dagster instance.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pipelines.lib import failures, query
from pipelines.settings import Settings
from pipelines.sources import SOURCES


def report(settings: Settings) -> dict[str, Any]:
    lake = query.status()
    last_loads = {s["source"]: s["last_load_at"] for s in lake["sources"]}
    now = datetime.now(UTC)
    lake["freshness"] = [
        _freshness(name, spec.expected_every, last_loads.get(name), now) for name, spec in SOURCES.items()
    ]
    published_at = lake["last_publish"]["published_at"] if lake["last_publish"] else None
    lake["failed_runs"] = [
        run
        for run in failures.read(settings)
        if published_at is None or datetime.fromisoformat(run["failed_at"]) > published_at
    ]
    lake["runs_in_progress"] = runs_in_progress(settings)
    return lake


def _freshness(source: str, expected: timedelta | None, last: datetime | None, now: datetime) -> dict[str, Any]:
    if expected is None:
        state = "no cadence"
    elif last is None:
        state = "nothing loaded yet"
    else:
        state = "LATE" if now - last > expected else "fresh"
    return {
        "source": source,
        "state": state,
        "last_load_at": last,
        "expected_every_hours": expected.total_seconds() / 3600 if expected else None,
    }


def runs_in_progress(settings: Settings) -> list[dict[str, Any]]:
    """Runs queued or started in the home's Dagster instance (none when it has no instance yet)."""
    if not (settings.dagster_home / "dagster.yaml").is_file():
        return []
    import dagster as dg

    busy = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        return [
            {
                "run_id": record.dagster_run.run_id,
                "job": record.dagster_run.job_name,
                "status": record.dagster_run.status.value,
                "since": record.start_time or record.create_timestamp.timestamp(),
            }
            for record in instance.get_run_records(filters=dg.RunsFilter(statuses=busy))
        ]


def render(status: dict[str, Any]) -> str:
    parts = [query.render_status(status)]
    late = [f for f in status["freshness"] if f["state"] in ("LATE", "nothing loaded yet")]
    if late:
        parts.append("freshness:")
        parts += [
            f"  {f['source']}: {f['state']} (expected every {f['expected_every_hours']:g} h; "
            f"last load {f['last_load_at'] or 'never'})"
            for f in late
        ]
    else:
        parts.append("freshness: every source within its interval")
    if status["failed_runs"]:
        parts.append("failed runs since the last publish:")
        for run in status["failed_runs"]:
            parts.append(f"  {run['run_id'][:8]} {run['job']} at {run['failed_at']}")
            parts += [f"    step {step}" for step in run["steps"]]
            parts += [f"    {check}" for check in run["checks"]]
    runs = status["runs_in_progress"]
    parts.append(
        "runs in progress: " + (", ".join(f"{r['run_id'][:8]} {r['job']} ({r['status']})" for r in runs) or "none")
    )
    return "\n".join(parts)
