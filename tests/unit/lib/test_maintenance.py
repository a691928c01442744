"""Lake upkeep on a real DuckLake: merging small files, expiring snapshots, what `--as-of` can still read."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines import cli
from pipelines.lib import publish, query
from pipelines.lib.maintenance import MaintenanceError, maintain
from pipelines.settings import Settings

LEAGUE = "SELECT film_id, roi FROM league ORDER BY film_id"
# DuckLake keeps inserts of up to 10 rows inside the catalog; these write a Parquet file each.
ROWS_PER_COMMIT = 25


READER = """
import sys
from pipelines import lakehouse
con = lakehouse.connect(read_only=True)
print(con.execute("SELECT count(*), sum(i) FROM raw.ticks").fetchall(), flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*), sum(i) FROM raw.ticks").fetchall(), flush=True)
"""


def _small_commits(lake: Any, commits: int = 12) -> None:
    """Many tiny loads into one raw table: a Parquet file per commit."""
    lake.con.execute("CREATE TABLE IF NOT EXISTS lake.raw.ticks (i BIGINT, note VARCHAR)")
    start = lake.scalar("SELECT count(*) FROM lake.raw.ticks")
    for k in range(commits):
        first = start + k * ROWS_PER_COMMIT
        lake.con.execute(
            "INSERT INTO lake.raw.ticks SELECT i, 'tick ' || i FROM range(?, ?) t(i)", [first, first + ROWS_PER_COMMIT]
        )


def _build(lake: Any, factor: float) -> None:
    """What a dbt build of audit.league leaves: the table rebuilt, in a few files."""
    lake.con.execute("CREATE OR REPLACE TABLE lake.audit.league (film_id VARCHAR, roi DOUBLE)")
    for part in range(3):
        lake.con.execute(
            "INSERT INTO lake.audit.league SELECT printf('film-%03d', i), i * ? FROM range(?, ?) t(i)",
            [factor, part * ROWS_PER_COMMIT, (part + 1) * ROWS_PER_COMMIT],
        )


def _publish(lake: Any, factor: float, run: str) -> int:
    _build(lake, factor)
    return publish.publish(lake.con, ["league"], run).publish_id


def _later(hours: float = 2) -> datetime:
    """A `now` past the grace period, so that replaced files are deleted in the same maintenance."""
    return datetime.now(UTC) + timedelta(hours=hours)


def test_maintenance_merges_small_files_and_deletes_the_replaced_ones(lake: Any, settings: Settings) -> None:
    _small_commits(lake)
    rows = lake.rows("SELECT count(*) AS n, sum(i) AS total, count(DISTINCT note) AS notes FROM raw.ticks")

    report = maintain(lake.con, settings, now=_later())

    assert report.files_merged >= 12
    assert report.files_created >= 1
    assert report.catalog_after.files <= report.catalog_before.files - 11
    assert report.disk_before is not None
    assert report.disk_after is not None
    assert report.disk_after.files <= report.disk_before.files - 11
    assert report.disk_after.files == report.catalog_after.files  # nothing left behind on disk
    assert report.files_deleted >= 12
    assert report.bytes_freed is not None
    assert report.bytes_freed > 0
    assert report.files_waiting == 0
    assert lake.rows("SELECT count(*) AS n, sum(i) AS total, count(DISTINCT note) AS notes FROM raw.ticks") == rows
    assert rows == [{"n": 12 * ROWS_PER_COMMIT, "total": sum(range(12 * ROWS_PER_COMMIT)), "notes": 300}]


def test_replaced_files_wait_out_the_grace_period_before_deletion(lake: Any, settings: Settings) -> None:
    _small_commits(lake)
    # An analyst's session in another process, attached and reading before the maintenance.
    with subprocess.Popen(
        [sys.executable, "-c", READER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as reader:
        assert reader.stdin is not None
        assert reader.stdout is not None
        seen = reader.stdout.readline()

        now = maintain(lake.con, settings)  # really now: the reader may still be scanning the small files

        reader.stdin.write("again\n")
        reader.stdin.flush()
        assert reader.stdout.readline() == seen
    assert seen == f"{[(12 * ROWS_PER_COMMIT, sum(range(12 * ROWS_PER_COMMIT)))]}\n"
    assert reader.returncode == 0
    assert now.files_merged >= 12
    assert now.catalog_after.files < now.catalog_before.files
    assert now.files_deleted == 0
    assert now.files_waiting >= 12
    assert now.disk_before is not None
    assert now.disk_after == (now.disk_before.files + now.files_created, now.disk_after.bytes)
    assert f"files waiting: {now.files_waiting}" in now.render()

    later = maintain(lake.con, settings, now=_later())

    assert later.files_merged == 0
    assert later.files_deleted == now.files_waiting
    assert later.files_waiting == 0
    assert later.disk_after is not None
    assert later.disk_after.files == later.catalog_after.files


def test_publishes_within_the_retention_stay_readable_and_older_ones_fail_clearly(
    lake: Any, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _publish(lake, 1.0, "run-1")
    time.sleep(0.05)
    boundary = datetime.now(UTC)  # the retention will end here
    time.sleep(0.05)
    _small_commits(lake, 4)
    second = _publish(lake, 2.0, "run-2")
    _small_commits(lake, 4)
    third = _publish(lake, 3.0, "run-3")
    before = {p: query.run_sql(LEAGUE, as_of=p) for p in (first, second, third)}
    assert before[first] != before[second] != before[third]

    report = maintain(lake.con, settings, now=boundary + timedelta(days=settings.snapshot_retention_days))

    assert report.snapshots_expired > 0
    assert report.publishes_expired == (first,)
    assert report.readable_publishes == (second, third)
    assert report.files_deleted > 0  # the first build's files: only expired snapshots read them
    assert report.files_merged >= 8  # the ticks of both loads, now one file
    for p in (second, third):
        assert query.run_sql(LEAGUE, as_of=p) == before[p]
        assert query.run_sql("SELECT count(*) FROM meta.publishes", as_of=p)[1] == [(p - 1,)]
    # The merged file still knows which rows each snapshot saw.
    assert query.run_sql("SELECT count(*) FROM lake.raw.ticks", as_of=second)[1] == [(4 * ROWS_PER_COMMIT,)]
    assert query.run_sql("SELECT count(*) FROM lake.raw.ticks", as_of=third)[1] == [(8 * ROWS_PER_COMMIT,)]
    assert query.run_sql(LEAGUE) == before[third]
    with pytest.raises(query.QueryError, match="publish 1 is no longer readable") as error:
        query.run_sql(LEAGUE, as_of=first)
    assert "BACKLOT_SNAPSHOT_RETENTION_DAYS=30" in str(error.value)
    assert "publishes no longer readable with --as-of: 1\n" in report.render()
    # meta.publishes keeps its row: the publish happened, only its data is gone.
    assert query.run_sql("SELECT publish_id FROM meta.publishes ORDER BY 1")[1] == [(first,), (second,), (third,)]

    capsys.readouterr()
    assert cli.main(["sql", "--as-of", str(first), "SELECT * FROM league"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("backlot sql: publish 1 is no longer readable: lake maintenance expired its snapshot")
    assert err.count("\n") == 1


def test_the_latest_publish_stays_readable_however_old(lake: Any, settings: Settings) -> None:
    first = _publish(lake, 1.0, "run-1")
    latest = _publish(lake, 2.0, "run-2")
    _build(lake, 9.0)  # a later build whose checks failed: built, never published
    _small_commits(lake, 3)
    published = query.run_sql(LEAGUE, as_of=latest)

    report = maintain(lake.con, settings, now=_later(hours=24 * 365))

    assert report.publishes_expired == (first,)
    assert report.readable_publishes == (latest,)
    assert query.run_sql(LEAGUE, as_of=latest) == published
    assert query.run_sql(LEAGUE) == published  # the marts views pin the latest publish's snapshot
    assert lake.scalar("SELECT max(roi) FROM lake.audit.league") == 9.0 * (3 * ROWS_PER_COMMIT - 1)
    assert lake.scalar("SELECT count(*) FROM lake.raw.ticks") == 3 * ROWS_PER_COMMIT

    again = maintain(lake.con, settings, now=_later(hours=24 * 365))

    assert again.files_merged == 0
    assert again.snapshots_expired <= 1  # at most the one the first maintenance's commit superseded
    assert again.publishes_expired == ()
    assert again.readable_publishes == (latest,)


def test_a_mart_the_latest_publish_did_not_rebuild_stays_readable(lake: Any, settings: Settings) -> None:
    lake.con.execute("CREATE TABLE lake.audit.quiet AS SELECT 'film-001' AS film_id, 42 AS views")
    first = publish.publish(lake.con, ["quiet"], "run-1").publish_id
    latest = _publish(lake, 2.0, "run-2")  # only league was rebuilt: quiet still reads the first's snapshot
    _small_commits(lake, 3)

    report = maintain(lake.con, settings, now=_later(hours=24 * 365))

    assert report.snapshots_expired > 0
    assert report.readable_publishes == (first, latest)  # the first's snapshot is read by marts.quiet
    assert lake.con.execute("FROM lake.marts.quiet").fetchall() == [("film-001", 42)]


def test_a_lake_with_no_publish_keeps_its_current_state(lake: Any, settings: Settings) -> None:
    _small_commits(lake, 3)

    report = maintain(lake.con, settings, now=_later(hours=24 * 365))

    assert report.snapshots_expired > 0
    assert report.readable_publishes == ()
    assert "publishes readable with --as-of: none" in report.render()
    assert lake.scalar("SELECT count(*) FROM lake.raw.ticks") == 3 * ROWS_PER_COMMIT


def test_backlot_maintain_prints_what_it_did(lake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _small_commits(lake)
    _publish(lake, 1.0, "run-1")

    assert cli.main(["maintain"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("lake maintenance: done in ")
    assert "data files in the catalog: " in out
    assert "data files on disk: " in out
    assert "merged: " in out
    assert "snapshots expired: 0 (retention 30 days" in out
    assert "publishes readable with --as-of: 1\n" in out
    assert "files deleted: 0 (0 bytes freed)" in out
    assert "dagster runs" not in out  # this home has no Dagster instance


def test_backlot_maintain_without_a_lake_fails_in_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["maintain"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("backlot maintain: no lakehouse at sqlite:")
    assert err.count("\n") == 1
    assert not (home / "lake" / "catalog.sqlite").exists()


def test_the_maintenance_engine_imports_nothing_from_dagster() -> None:
    code = "import sys, pipelines.lib.maintenance; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert "pipelines" in loaded
    assert "dagster" not in loaded


def _data_files(settings: Settings) -> list[Path]:
    return sorted(Path(settings.data_path).rglob("*.parquet"))


def test_a_file_no_commit_recorded_is_deleted_once_it_is_old_enough(lake: Any, settings: Settings) -> None:
    _small_commits(lake, 2)
    # What a writer that died before its commit leaves behind.
    orphan = Path(settings.data_path) / "raw" / "ticks" / "ducklake-00000000-0000-7000-8000-000000000000.parquet"
    orphan.write_bytes(_data_files(settings)[0].read_bytes())

    assert maintain(lake.con, settings).files_deleted == 0  # it may be a writer's, not yet committed
    assert orphan.exists()

    report = maintain(lake.con, settings, now=_later())

    assert not orphan.exists()
    assert report.files_deleted >= 1
    assert lake.scalar("SELECT count(*) FROM lake.raw.ticks") == 2 * ROWS_PER_COMMIT


def test_maintenance_refuses_to_delete_orphans_named_like_live_files(lake: Any, settings: Settings) -> None:
    _small_commits(lake, 1)  # one file: nothing to merge
    live = _data_files(settings)[0]
    stray = Path(settings.data_path) / "stray" / live.name
    stray.parent.mkdir()
    stray.write_bytes(live.read_bytes())

    with pytest.raises(MaintenanceError, match=r"refusing to delete 1 'orphaned' files that the catalog lists"):
        maintain(lake.con, settings, now=_later())

    assert stray.exists()
    assert live.exists()
    assert lake.scalar("SELECT count(*) FROM lake.raw.ticks") == ROWS_PER_COMMIT


def test_a_new_lake_with_no_data_file_is_left_as_it_is(lake: Any, settings: Settings) -> None:
    report = maintain(lake.con, settings, now=_later(hours=24 * 365))

    assert report.catalog_after.files == report.files_deleted == report.files_merged == 0
    assert report.disk_after == (0, 0)
    assert lake.scalar("SELECT count(*) FROM lake.meta.publishes") == 0
