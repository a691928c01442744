"""`backlot run`: one synchronous pass of the pipeline job, as a scheduled run does it."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pipelines import instance, lakehouse
from pipelines.lib.publish import Publish
from pipelines.settings import load_settings
from pipelines.sources import SOURCES

QUARANTINE_SHOWN_PER_FILE = 3


class FileLoad(NamedTuple):
    """One file's row in meta.loads, as a run reports it."""

    source: str
    file_name: str
    status: str
    rows_loaded: int
    rows_quarantined: int
    detail: str | None


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    published: bool
    loads: list[FileLoad] = field(default_factory=list)
    quarantine: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    publish: Publish | None = None
    log_path: str | None = None

    @property
    def current(self) -> bool:
        """Whether the published marts now reflect every row loaded: a publish, or nothing to rebuild."""
        return self.success

    def render(self) -> str:
        state = "published" if self.published else "nothing new to publish" if self.success else "NOT published"
        lines = [f"run {self.run_id[:8]}: {state}"]
        if self.loads:
            lines.append("files:")
            for source in sorted({load.source for load in self.loads}):
                mine = [load for load in self.loads if load.source == source]
                statuses = {
                    status: sum(1 for load in mine if load.status == status)
                    for status in ("loaded", "duplicate", "rejected")
                }
                lines.append(
                    f"  {source:<18} {statuses['loaded']} loaded, {statuses['duplicate']} duplicate, "
                    f"{statuses['rejected']} rejected: {sum(load.rows_loaded for load in mine):,} rows loaded, "
                    f"{sum(load.rows_quarantined for load in mine):,} quarantined"
                )
                for load in mine:
                    if load.status != "loaded":
                        lines.append(f"    {load.file_name}: {load.status} - {load.detail}")
                    elif load.rows_quarantined or load.detail:
                        # A loaded file's detail is a warning about it (schema drift): shown too.
                        quarantined = f"{load.rows_quarantined:,} rows quarantined" if load.rows_quarantined else None
                        note = "; ".join(part for part in (quarantined, load.detail) if part)
                        lines.append(f"    {load.file_name}: {load.status} - {note}")
        else:
            lines.append("files: no new files")
        if self.quarantine:
            lines.append(f"quarantined (first {QUARANTINE_SHOWN_PER_FILE} of each file; all in quarantine.<source>):")
            lines += [f"  {q}" for q in self.quarantine]
        lines += self.failed_checks
        for step in self.failed_steps:
            lines.append(f"FAILED STEP {step}")
        if self.publish:
            marts = ", ".join(f"{m} ({n:,} rows)" for m, n in sorted(self.publish.mart_rows.items()))
            lines.append(f"publish {self.publish.publish_id} (snapshot {self.publish.snapshot_id}): {marts}")
        elif self.success:
            lines.append("no mart changed: the published marts are current")
        else:
            lines.append("the previously published marts are unchanged")
        if self.log_path and not self.success:
            lines.append(f"full log: {self.log_path}")
        return "\n".join(lines)


def run_once(log_level: str = "INFO", *, progress: bool = False, full_refresh: bool = False) -> RunOutcome:
    """Execute the pipeline job in this process, recorded in the home's Dagster instance.

    The run, its asset materializations and its check results land in BACKLOT_HOME/dagster
    (the instance `make dev` opens), so the Dagster UI shows why a publish was blocked.
    A pass rebuilds what the sources' new rows change; `full_refresh` rebuilds every model.
    Dagster's and dbt's own output goes to BACKLOT_HOME/logs/last-run.log, so the terminal
    shows only the summary; the log keeps every step for whoever needs the detail. With
    `progress`, each step and what loading loaded is printed as it happens (for a terminal).
    """
    from pipelines.lib import gx_worker

    gx_worker.start()  # GX imports on the other core while this process imports Dagster and dbt
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.jobs import PIPELINE_JOB
    from pipelines.defs.run_failures import failed_checks, failed_steps
    from pipelines.lib import failures

    job = defs.resolve_job_def(PIPELINE_JOB)
    settings = load_settings()
    lakehouse.connect(settings).close()  # a lake this release cannot write stops here, not in a step
    log_path = settings.home / "logs" / "last-run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    dagster_home = instance.prepare(settings)
    loggers: dict[str, Any] = {"console": {"config": {"log_level": log_level}}}
    if progress:
        loggers["progress"] = {}
    with (
        log_path.open("w") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
        dg.DagsterInstance.from_config(str(dagster_home)) as dagster_instance,
    ):
        # Runs a killed `backlot run`, or a `serve` no longer there, left in flight.
        for orphan in instance.fail_orphaned_runs(dagster_instance, unowned=instance.serve_gone(settings)):
            print(f"run {orphan}: its process ended before it did; marked failed", file=sys.stderr)
        result = job.execute_in_process(
            instance=dagster_instance,
            raise_on_error=False,
            run_config={"loggers": loggers, **pass_config(full_refresh=full_refresh)},
            tags=instance.owner_tags(),
        )
        steps = failed_steps(result.get_step_failure_events())
        checks = failed_checks(result.get_asset_check_evaluations())
    if not result.success:
        failures.record(settings, result.run_id, PIPELINE_JOB, steps, checks)
    outcome = _outcome(result.run_id, result.success, steps, checks)
    outcome.log_path = str(log_path)
    return outcome


def pass_config(*, full_refresh: bool) -> dict[str, Any]:
    """The run config of a pipeline run that rebuilds everything, or (empty) only what changed."""
    return {"ops": {"dbt_models": {"config": {"full_refresh": True}}}} if full_refresh else {}


def _outcome(run_id: str, success: bool, failed_steps: list[str], failed_checks: list[str]) -> RunOutcome:
    con = lakehouse.connect(load_settings())
    try:
        loads = con.execute(
            "SELECT source, file_name, status, rows_loaded, rows_quarantined, detail FROM meta.loads "
            "WHERE run_id = ? ORDER BY source, loaded_at, file_name",
            [run_id],
        ).fetchall()
        quarantine = []
        # By source, as the file counts above them are.
        sources = con.execute("SELECT DISTINCT source FROM meta.loads WHERE run_id = ? ORDER BY source", [run_id])
        for (source,) in sources.fetchall():
            label = SOURCES[source].record_label if source in SOURCES else "line"
            quarantine += [
                f"{source}: {name} {label} {line}: {reason}" if line else f"{source}: {name}: {reason}"
                for name, line, reason in con.execute(
                    f"SELECT q._file_name, q._row_number, q._reason FROM quarantine.{source} q "
                    "JOIN meta.loads l ON l.file_sha256 = q._file_sha256 AND l.run_id = ? AND l.status <> 'duplicate' "
                    f"QUALIFY row_number() OVER (PARTITION BY q._file_name ORDER BY q._row_number NULLS FIRST) "
                    f"<= {QUARANTINE_SHOWN_PER_FILE} ORDER BY q._file_name, q._row_number NULLS FIRST LIMIT 25",
                    [run_id],
                ).fetchall()
            ]
        publish = con.execute(
            "SELECT publish_id, snapshot_id, mart_rows FROM meta.publishes WHERE run_id = ?", [run_id]
        ).fetchone()
    finally:
        con.close()
    return RunOutcome(
        run_id=run_id,
        success=success,
        published=publish is not None and success,
        loads=[FileLoad(*row) for row in loads],
        quarantine=quarantine,
        failed_checks=failed_checks,
        failed_steps=failed_steps,
        publish=Publish(int(publish[0]), int(publish[1]), dict(publish[2])) if publish else None,
    )
