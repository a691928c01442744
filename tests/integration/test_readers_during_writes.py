"""Readers keep answering with the last published marts while the lake is written.

A `backlot sql`-style reader process (a new read connection per query) and a
dashboard-style thread (one long-lived connection, a cursor) read in a loop while this
process loads two million box-office rows, rebuilds the audit tables the way dbt does
(a temp table, renames, a drop: four commits), publishes, runs lake maintenance and
publishes again. Every read must see one whole publish: each mart's row count equal to
what `meta.publishes` recorded for the publish it reads, never zero rows, never an error.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import lakehouse
from pipelines.defs.box_office.sources import BOX_OFFICE_DAILY, FILMS
from pipelines.lib import landing, loading, maintenance, publish, query
from pipelines.settings import REPO_ROOT, Settings, load_settings

MARTS = {
    "box_office_daily": "SELECT date, title, territory, gross_usd FROM lake.raw.box_office_daily",
    "daily_totals": "SELECT date, sum(gross_usd) AS gross FROM lake.raw.box_office_daily GROUP BY date",
}
# One statement, so one snapshot: the latest publish's record and what the marts hold.
CHECK = (
    "SELECT p.publish_id, p.mart_rows, (SELECT count(*) FROM box_office_daily) AS box_office_daily, "
    "(SELECT count(*) FROM daily_totals) AS daily_totals FROM meta.publishes p ORDER BY p.publish_id DESC LIMIT 1"
)
# The machine has two cores: one reader process and the dashboard thread keep the writer
# company without starving it.
READER_PROCESSES = 1
READER = f"""
import json, sys
from pathlib import Path
from pipelines.lib import query

stop = Path(sys.argv[1])
while True:
    last = stop.exists()  # the writer is done: this read must see its final publish
    try:
        print(json.dumps({{"read": query.run_sql({CHECK!r})[1][0]}}), flush=True)
    except Exception as error:
        print(json.dumps({{"error": f"{{type(error).__name__}}: {{error}}"}}), flush=True)
    if last:
        break
"""
FILMS_CSV = "film_id,title,release_date,production_budget_usd,production_model\n" + "".join(
    f"film-{i}-2026,Film {i},2026-01-0{1 + i},{(i + 1) * 1_000_000},indie_digital\n" for i in range(8)
)


def _daily_csv(path: Path, rows: int, *, first_day: str) -> Path:
    """`rows` chart rows of eight films, one per film and day, in the chart format producers send."""
    duckdb.sql(f"""
        COPY (
            SELECT (DATE '{first_day}' + (i // 8)::INTEGER)::VARCHAR AS date, i % 8 + 1 AS rank,
                   'Film ' || (i % 8) AS title, '$' || format('{{:,}}', 1000 + i % 900000) AS gross_usd,
                   format('{{:,}}', 1 + i % 4000) AS theaters, 'false' AS is_estimate,
                   strftime(DATE '{first_day}' + (i // 8 + 1)::INTEGER, '%Y-%m-%dT16:30:00Z') AS reported_at
            FROM range({rows}) t(i)
        ) TO '{path}' (HEADER)
    """)
    return path


def _load(con: duckdb.DuckDBPyConnection, settings: Settings, spec: loading.SourceSpec, file: Path) -> None:
    landing.deliver(settings.landing(spec.name), file.name, file)
    report = loading.load_pending(con, spec, settings.landing(spec.name))
    assert report.committed, report


def _build_like_dbt(con: duckdb.DuckDBPyConnection) -> None:
    """dbt's table materialization: build under a temp name, swap by renames, drop the old (four commits)."""
    for mart, select in MARTS.items():
        con.execute(f"CREATE TABLE lake.audit.{mart}__dbt_tmp AS {select}")
        con.execute(f"ALTER TABLE lake.audit.{mart} RENAME TO {mart}__dbt_backup")
        con.execute(f"ALTER TABLE lake.audit.{mart}__dbt_tmp RENAME TO {mart}")
        con.execute(f"DROP TABLE lake.audit.{mart}__dbt_backup")


class DashboardReader(threading.Thread):
    """One connection for the whole run, read through a cursor, as a dashboard would."""

    def __init__(self) -> None:
        super().__init__()
        self.connection = query.open_published()
        self.stop = threading.Event()
        self.seen: list[dict[str, Any]] = []

    def run(self) -> None:
        cursor = query.published_cursor(self.connection)
        while True:
            last = self.stop.is_set()  # the writer is done: this read must see its final publish
            try:
                row = cursor.execute(CHECK).fetchone()
                self.seen.append({"read": list(row) if row else None})
            except duckdb.Error as error:
                self.seen.append({"error": f"{type(error).__name__}: {error}"})
            if last:
                break
        self.connection.close()


class Readers:
    """The reader processes and the dashboard thread: started once there is a publish, then stopped."""

    def __init__(self, stop: Path) -> None:
        self.stop = stop
        self.processes: list[subprocess.Popen[str]] = []
        self.dashboard: DashboardReader | None = None
        self.first_reads: list[str] = []

    def start(self) -> None:
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", READER, str(self.stop)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
            )
            for _ in range(READER_PROCESSES)
        ]
        self.dashboard = DashboardReader()
        self.dashboard.start()
        # Wait until each process has read once (its interpreter and DuckDB are up).
        self.first_reads = [process.stdout.readline() for process in self.processes if process.stdout]

    def finish(self) -> list[list[dict[str, Any]]]:
        """Stop every reader after one last read; what each one saw, in order."""
        self.stop.touch()
        assert self.dashboard is not None
        self.dashboard.stop.set()
        self.dashboard.join(timeout=120)
        seen = [self.dashboard.seen]
        for process, first in zip(self.processes, self.first_reads, strict=True):
            out, _ = process.communicate(timeout=120)
            seen.append([json.loads(line) for line in [first, *out.splitlines()]])
        return seen

    def kill(self) -> None:
        self.stop.touch()
        if self.dashboard is not None:
            self.dashboard.stop.set()
            self.dashboard.join(timeout=120)
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.fixture
def readers(home: Path, tmp_path: Path) -> Iterator[Readers]:
    readers = Readers(tmp_path / "stop")
    try:
        yield readers
    finally:
        readers.kill()


def test_readers_see_whole_publishes_while_loads_builds_maintenance_and_publishes_run(
    home: Path, tmp_path: Path, readers: Readers
) -> None:
    settings = load_settings()
    con = lakehouse.connect(settings)
    _load(con, settings, FILMS, _write(tmp_path / "films.csv", FILMS_CSV))
    _load(con, settings, BOX_OFFICE_DAILY, _daily_csv(tmp_path / "first.csv", 8_000, first_day="2020-01-01"))
    for mart, select in MARTS.items():
        con.execute(f"CREATE TABLE lake.audit.{mart} AS {select}")
    publishes = [publish.publish(con, list(MARTS), "run-1")]
    readers.start()

    _load(con, settings, BOX_OFFICE_DAILY, _daily_csv(tmp_path / "big.csv", 2_000_000, first_day="2021-01-01"))
    _build_like_dbt(con)
    publishes.append(publish.publish(con, list(MARTS), "run-2"))
    maintenance.maintain(con, settings)
    _build_like_dbt(con)
    publishes.append(publish.publish(con, list(MARTS), "run-3"))
    con.close()
    per_reader = readers.finish()

    reads = [read for seen in per_reader for read in seen]
    assert [r["error"] for r in reads if "error" in r] == []
    recorded = {p.publish_id: p.mart_rows for p in publishes}
    for read in reads:
        publish_id, mart_rows, box_office_daily, daily_totals = read["read"]
        assert mart_rows == recorded[publish_id]
        assert {"box_office_daily": box_office_daily, "daily_totals": daily_totals} == mart_rows
        assert box_office_daily > 0
        assert daily_totals > 0
    # Publish ids only grow, and each reader's last read, made once the writer was done, saw the last one.
    for seen in per_reader:
        ids = [read["read"][0] for read in seen]
        assert ids == sorted(ids)
        assert ids[-1] == publishes[-1].publish_id
    assert recorded[publishes[-1].publish_id]["box_office_daily"] == 2_008_000


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
