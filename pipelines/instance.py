"""The home's Dagster instance: BACKLOT_HOME/dagster, configured by the repository's dagster.yaml."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.settings import REPO_ROOT, Settings

if TYPE_CHECKING:
    import dagster as dg

TEMPLATE = REPO_ROOT / "dagster.yaml"

# With BACKLOT_DAGSTER_POSTGRES_URL set, runs, events and schedules live on that server; the
# URL stays in the environment, never in the file.
POSTGRES_STORAGE = """
storage:
  postgres:
    postgres_url:
      env: BACKLOT_DAGSTER_POSTGRES_URL
"""


def config(settings: Settings) -> str:
    """The instance's dagster.yaml for these settings: the template, plus PostgreSQL storage if named."""
    text = TEMPLATE.read_text()
    return text + POSTGRES_STORAGE if settings.dagster_postgres_url else text


def prepare(settings: Settings) -> Path:
    """Create the instance's home and write its dagster.yaml; return the home (DAGSTER_HOME).

    A plain `postgresql://` URL is given the psycopg2 driver that dagster-postgres speaks
    (SQLAlchemy's default driver for it is psycopg 3, whose NOTIFY it cannot send), in this
    process's environment, which the services and runs started from here inherit.
    """
    url = settings.dagster_postgres_url
    if url and url.startswith(("postgresql://", "postgres://")):
        os.environ["BACKLOT_DAGSTER_POSTGRES_URL"] = "postgresql+psycopg2://" + url.split("://", 1)[1]
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    wanted = config(settings)
    if not path.is_file() or path.read_text() != wanted:
        path.write_text(wanted)
    return home


# A run executed in a `backlot run` process names that process, so a later run can tell when
# it died without finishing (SIGKILL, OOM, power loss) and mark it failed. Runs launched by
# `serve`'s daemon are watched by Dagster's run monitoring instead (dagster.yaml).
OWNER_TAG = "backlot/process"


def owner_tags() -> dict[str, str]:
    """Tags naming this process: host, pid and the pid's start time (pids are reused)."""
    return {OWNER_TAG: f"{socket.gethostname()}:{os.getpid()}:{_started(os.getpid())}"}


def fail_orphaned_runs(dagster: dg.DagsterInstance) -> list[str]:
    """Mark failed the in-flight runs whose `backlot run` process is gone, and free their pool slots; their ids."""
    import dagster as dg

    in_flight = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    failed = []
    for record in dagster.get_run_records(filters=dg.RunsFilter(statuses=in_flight)):
        owner = record.dagster_run.tags.get(OWNER_TAG)
        if owner is None:
            continue
        host, pid, started = owner.rsplit(":", 2)
        if host == socket.gethostname() and _started(int(pid)) != started:
            run_id = record.dagster_run.run_id
            dagster.report_run_failed(
                record.dagster_run, f"its `backlot run` process {pid} ended before the run did (killed or crashed)"
            )
            # A step it was running still holds the lake writers' pool slot: every later run
            # would wait for it for ever.
            dagster.event_log_storage.free_concurrency_slots_for_run(run_id)
            failed.append(run_id)
    return failed


def _started(pid: int) -> str:
    """When process `pid` started (clock ticks since boot), or "" when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.rsplit(")", 1)[1].split()[19]


if __name__ == "__main__":  # `make dev`: print DAGSTER_HOME for the UI
    from pipelines.settings import load_settings

    print(prepare(load_settings()))
