"""The home's Dagster instance: BACKLOT_HOME/dagster, configured by the repository's dagster.yaml."""

from __future__ import annotations

import contextlib
import os
import shutil
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
    if not home.is_dir():
        _create(settings, home)
    path = home / "dagster.yaml"
    wanted = config(settings)
    if not path.is_file() or path.read_text() != wanted:
        path.write_text(wanted)
    return home


def _create(settings: Settings, home: Path) -> None:
    """Create the instance and its storage beside its place, then rename it into place.

    A process killed while Dagster creates and stamps its SQLite databases would leave a
    half-made instance that every later run fails to open ("table alembic_version already
    exists"); half-made here, it is a folder that is never used, removed by the next creator.
    Two processes creating it at once each make their own; the first rename wins.
    """
    import dagster as dg

    home.parent.mkdir(parents=True, exist_ok=True)
    for stale in home.parent.glob(f"{home.name}.new-*"):
        if _started(int(stale.name.rsplit("-", 1)[1])) == "":  # its creator is gone
            shutil.rmtree(stale, ignore_errors=True)
    draft = home.parent / f"{home.name}.new-{os.getpid()}"
    shutil.rmtree(draft, ignore_errors=True)
    draft.mkdir()
    (draft / "dagster.yaml").write_text(config(settings))
    with dg.DagsterInstance.from_config(str(draft)):
        pass
    try:
        draft.rename(home)
    except OSError:  # another process put its instance there first
        shutil.rmtree(draft, ignore_errors=True)


# A run executed in a `backlot run` process names that process, so a later run can tell when
# it died without finishing (SIGKILL, OOM, power loss) and mark it failed. Runs launched by
# `serve`'s daemon are watched by Dagster's run monitoring (dagster.yaml) while it runs, and
# failed by the next `backlot run` or `serve` once no process of it is left.
OWNER_TAG = "backlot/process"


def owner_tags() -> dict[str, str]:
    """Tags naming this process: host, pid and the pid's start time (pids are reused)."""
    return {OWNER_TAG: f"{socket.gethostname()}:{os.getpid()}:{_started(os.getpid())}"}


def fail_orphaned_runs(dagster: dg.DagsterInstance, *, unowned: str | None = None) -> list[str]:
    """Mark failed the in-flight runs whose process is gone, and free their pool slots; their ids.

    A `backlot run`'s run names its process. Runs that name none (launched by `serve`'s
    daemon) are failed too when the caller knows no process of a `serve` is left: `unowned`
    is then why (see serve_gone).
    """
    import dagster as dg

    # NOT_STARTED too: a process killed between creating its run and starting it left the run
    # so, and the landing sensors, which wait while a run is queued or going, waited for ever.
    in_flight = [
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]
    failed = []
    for record in dagster.get_run_records(filters=dg.RunsFilter(statuses=in_flight)):
        run = record.dagster_run
        why = owner_gone(run) if OWNER_TAG in run.tags else unowned
        if why:
            dagster.report_run_failed(run, why)
            # A step it was running still holds the lake writers' pool slot: every later run
            # would wait for it for ever.
            dagster.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            failed.append(run.run_id)
    return failed


def owner_gone(run: dg.DagsterRun) -> str | None:
    """Why the `backlot run` process its tag names is known to have ended, or None (alive, or on another host)."""
    host, pid, started = run.tags[OWNER_TAG].rsplit(":", 2)
    if host == socket.gethostname() and _started(int(pid)) != started:
        return f"its `backlot run` process {pid} ended before the run did (killed or crashed)"
    return None


def serve_gone(settings: Settings) -> str | None:
    """Why the in-flight runs `serve` launched on this home's instance are orphans, or None while
    one of its processes (the daemon, a run worker) may be left to finish or fail them.

    Only this machine's processes can be seen: with the instance on PostgreSQL a `serve` on
    another machine may be running them, so this never calls them orphans.
    """
    if settings.dagster_postgres_url or serve_processes(settings.dagster_home):
        return None
    return "the `backlot serve` that ran it was stopped or killed"


def serve_processes(dagster_home: Path) -> list[int]:
    """Processes `serve` may have started on this instance: those whose environment has its
    DAGSTER_HOME (what `serve` starts, and what they start, do), and, when an environment is
    not ours to read (another account's process), any running Backlot or Dagster."""
    marker = f"DAGSTER_HOME={dagster_home}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        if int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except PermissionError:
            with contextlib.suppress(OSError):
                if any(word in (entry / "cmdline").read_bytes() for word in (b"pipelines", b"dagster")):
                    found.append(int(entry.name))
        except OSError:
            continue  # gone
    return found


def _started(pid: int) -> str:
    """When process `pid` started (clock ticks since boot), or "" when there is none."""
    fields = process_stat(pid)
    return fields[19] if fields else ""


def process_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (the state first); None without such a process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.rsplit(")", 1)[1].split()


if __name__ == "__main__":  # `make dev`: print DAGSTER_HOME for the UI
    from pipelines.settings import load_settings

    print(prepare(load_settings()))
