"""A sensor per landing source, derived from its spec: new content waiting -> one pass that publishes it.

Each tick lists the source's waiting files (delivered or queued) and hashes the ones it has
not hashed before. Content it has not yet asked a run for becomes one run request, whatever
the number of files; the run key is derived from that content, so a file sent again never
starts a second run for the same bytes and a corrected file always does. The cursor holds
the hashes already asked for among the files still waiting (short prefixes, so 10,000
waiting files keep it small).

A run is the pipeline job: it loads every waiting file of every source, builds the dbt
models, audits them and publishes, each step gated by the blocking checks before it, as
`backlot run` does. While such a run is queued or running, the sensor asks for no other:
a queued run claims the new files when it starts, and what arrives while one runs is asked
for once it has ended (then the files it loaded are archived and no longer wait).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg

from pipelines.defs.jobs import IN_PROCESS
from pipelines.lib import landing
from pipelines.lib.loading import SourceSpec
from pipelines.settings import load_settings

# Seconds between ticks: a new file is noticed within this (plus the daemon's own loop).
INTERVAL = 15
# Hex digits of a file's SHA-256 kept in the cursor and run keys: enough to tell contents apart.
PREFIX = 32
# Per source, the hashes of the files waiting at the last tick: a tick hashes only what is
# new. The code server keeps them between ticks; a new process hashes everything once.
_WAITING: dict[str, landing.WaitingHashes] = {}


def waiting_hashes(source: str, source_dir: Path) -> set[str]:
    """The content hashes (hex prefixes) of every file waiting in `source_dir`."""
    waiting = _WAITING.setdefault(source, landing.WaitingHashes())
    return {digest[:PREFIX] for digest in waiting.current(source_dir).values()}


def sensor_name(spec: SourceSpec) -> str:
    return f"{spec.name}_landing"


def landing_sensor(spec: SourceSpec, job: dg.UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    """The sensor that starts a run of the pipeline `job` for new content in `landing/<source>/`."""

    @dg.sensor(
        name=sensor_name(spec),
        job=job,
        minimum_interval_seconds=INTERVAL,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"New content in landing/{spec.name}/ starts one run that loads all of it.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        hashes = waiting_hashes(spec.name, load_settings().landing(spec.name))
        asked = set(json.loads(context.cursor)) if context.cursor else set()
        new = sorted(hashes - asked)
        if new and _busy(context, job.name):
            # Not remembered as asked for: a later tick asks for what still waits then.
            return dg.SensorResult(skip_reason=f"a run of {job.name} is queued or running", cursor=context.cursor)
        cursor = json.dumps(sorted(hashes))  # forget what no longer waits
        if not new:
            return dg.SensorResult(skip_reason=f"nothing new in landing/{spec.name}/", cursor=cursor)
        key = hashlib.sha256("\n".join(new).encode()).hexdigest()[:PREFIX]
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"{spec.name}:{key}",
                    run_config=IN_PROCESS,
                    tags={"backlot/source": spec.name, "backlot/new-files": str(len(new))},
                )
            ],
            cursor=cursor,
        )

    return _sensor


BUSY = (
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
)


def _busy(context: dg.SensorEvaluationContext, job_name: str) -> bool:
    """Whether a run of the job is queued or running."""
    busy = dg.RunsFilter(job_name=job_name, statuses=list(BUSY))
    return bool(context.instance.get_run_records(filters=busy, limit=1))
