"""Lake upkeep: merge small data files, expire old snapshots, delete the files nothing needs.

Every load, dbt build and publish is a DuckLake commit, and DuckLake never deletes a data
file by itself: time travel may still need it. Left alone, the data path grows by the small
files of every pass and keeps every table dbt ever replaced. `maintain` calls DuckLake's own
maintenance functions in the order its `CHECKPOINT` does (less the flush of inlined rows and
the rewrite of files with deleted rows: docs/decisions.md says why), but chooses the
snapshots to expire itself. `CHECKPOINT` and `older_than` expire by age alone, which after a
quiet month would expire the snapshot the current `marts` views pin.

A snapshot is kept when it is younger than `snapshot_retention_days`, when a publish younger
than that pins it, or when the latest publish pins it (whatever its age: the `marts` views
read it). A publish re-pins only the marts its run rebuilt, so a mart whose sources were quiet
reads the snapshot of an older publish: every snapshot a `marts` view reads is kept too
(`--as-of` reads the audit tables at the publish's own snapshot, not the views). Every other
snapshot is expired by id (`versions => [...]`).

Files are deleted only once they have been unneeded for `FILE_GRACE`: a reader that listed
a file just before the merge or the expiry may still be scanning it, and a writer's
uncommitted Parquet file looks orphaned until its commit.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import duckdb

from pipelines.lakehouse import LAKE, transaction
from pipelines.settings import Settings

# DuckLake attaches its catalog database under this name next to the lake.
METADATA = f"__ducklake_metadata_{LAKE}"
FILE_GRACE = timedelta(hours=1)


class MaintenanceError(Exception):
    pass


class Files(NamedTuple):
    files: int
    bytes: int


class MaintenanceReport(NamedTuple):
    """What one maintenance did. `catalog_*` count the data and delete files the DuckLake
    catalog lists (for any snapshot still kept); `disk_*` the Parquet files under the data
    path, when it is a local folder (None otherwise)."""

    catalog_before: Files
    catalog_after: Files
    disk_before: Files | None
    disk_after: Files | None
    files_merged: int  # small files rewritten into larger ones
    files_created: int  # the larger ones
    snapshots_expired: int
    publishes_expired: tuple[int, ...]  # publishes that this maintenance made unreadable
    readable_publishes: tuple[int, ...]  # publishes `--as-of` can still read
    files_deleted: int  # replaced, expired and orphaned files removed from the data path
    bytes_freed: int | None  # their size (None when the data path is not local)
    files_waiting: int  # unneeded files still within the grace period, for the next maintenance
    retention_days: int
    file_grace: timedelta
    seconds: float

    def render(self) -> str:
        lines = [f"lake maintenance: done in {self.seconds:.1f} s"]
        lines.append(f"data files in the catalog: {_files(self.catalog_before)} -> {_files(self.catalog_after)}")
        if self.disk_before is not None and self.disk_after is not None:
            lines.append(f"data files on disk:        {_files(self.disk_before)} -> {_files(self.disk_after)}")
        if self.files_merged:
            lines.append(f"merged: {self.files_merged:,} small files into {self.files_created:,}")
        else:
            lines.append("merged: none (no adjacent small files)")
        lines.append(
            f"snapshots expired: {self.snapshots_expired:,} (retention {self.retention_days} days; "
            "the latest publish is always kept)"
        )
        if self.publishes_expired:
            lines.append(f"publishes no longer readable with --as-of: {_ranges(self.publishes_expired)}")
        if self.readable_publishes:
            lines.append(f"publishes readable with --as-of: {_ranges(self.readable_publishes)}")
        else:
            lines.append("publishes readable with --as-of: none (nothing published yet)")
        freed = "unknown size: the data path is not local" if self.bytes_freed is None else _size(self.bytes_freed)
        lines.append(f"files deleted: {self.files_deleted:,} ({freed} freed)")
        if self.files_waiting:
            lines.append(
                f"files waiting: {self.files_waiting:,}, unneeded for less than {_duration(self.file_grace)} "
                "(a reader may still scan them); a later maintenance deletes them"
            )
        return "\n".join(lines)


def maintain(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    now: datetime | None = None,
    *,
    file_grace: timedelta = FILE_GRACE,
) -> MaintenanceReport:
    """Merge small files, expire snapshots past the retention (sparing publishes), delete unneeded files.

    `now` is the moment the retention and the grace period count back from (tests move it).
    """
    started = time.perf_counter()
    now = _aware(now or datetime.now(UTC))
    local = "://" not in settings.data_path
    catalog_before = _catalog_files(con)
    disk_before = _disk_files(settings.data_path) if local else None

    keep_after = now - timedelta(days=settings.snapshot_retention_days)
    snapshots = _snapshots(con)
    publishes = con.execute(
        f"SELECT publish_id, snapshot_id, published_at FROM {LAKE}.meta.publishes ORDER BY publish_id"
    ).fetchall()
    pinned = {int(snapshot) for _, snapshot, published_at in publishes if _aware(published_at) >= keep_after}
    if publishes:
        pinned.add(int(publishes[-1][1]))  # the current marts views read it
    newest = max(snapshots)
    pinned |= _read_by_marts_views(con, newest)
    expire = sorted(s for s, at in snapshots.items() if at < keep_after and s not in pinned and s != newest)

    # One commit: the expiry and the merge land together or not at all. DuckLake deletes
    # files outside any transaction, so the clean-up follows the commit.
    with transaction(con):
        expired = (
            con.execute(
                f"CALL ducklake_expire_snapshots('{LAKE}', versions => {[int(s) for s in expire]}::UBIGINT[])"
            ).fetchall()
            if expire
            else []
        )
        merges = con.execute(f"CALL ducklake_merge_adjacent_files('{LAKE}')").fetchall()

    delete_before = now - file_grace
    old_deleted, old_freed = _delete(con, "ducklake_cleanup_old_files", _scheduled_cutoff(con, delete_before), local)
    orphan_cutoff = f"older_than => {_timestamp(delete_before)}"
    _refuse_live_orphans(con, orphan_cutoff)
    orphans_deleted, orphans_freed = _delete(con, "ducklake_delete_orphaned_files", orphan_cutoff, local)

    remaining = _snapshots(con)
    waiting = con.execute(f"SELECT count(*) FROM {METADATA}.ducklake_files_scheduled_for_deletion").fetchone()
    return MaintenanceReport(
        catalog_before=catalog_before,
        catalog_after=_catalog_files(con),
        disk_before=disk_before,
        disk_after=_disk_files(settings.data_path) if local else None,
        files_merged=sum(int(row[2]) for row in merges),
        files_created=sum(int(row[3]) for row in merges),
        snapshots_expired=len(expired),
        publishes_expired=tuple(
            int(pid) for pid, snapshot, _ in publishes if snapshot in snapshots and snapshot not in remaining
        ),
        readable_publishes=tuple(int(pid) for pid, snapshot, _ in publishes if snapshot in remaining),
        files_deleted=old_deleted + orphans_deleted,
        bytes_freed=None if old_freed is None or orphans_freed is None else old_freed + orphans_freed,
        files_waiting=int(waiting[0]) if waiting else 0,
        retention_days=settings.snapshot_retention_days,
        file_grace=file_grace,
        seconds=time.perf_counter() - started,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _snapshots(con: duckdb.DuckDBPyConnection) -> dict[int, datetime]:
    rows = con.execute(f"SELECT snapshot_id, snapshot_time FROM ducklake_snapshots('{LAKE}')").fetchall()
    return {int(snapshot): _aware(at) for snapshot, at in rows}


def _read_by_marts_views(con: duckdb.DuckDBPyConnection, snapshot: int) -> set[int]:
    """The snapshots the `marts` views pin (`AT (VERSION => n)`), as they stand at `snapshot`."""
    rows = con.execute(
        f"""
        SELECT DISTINCT unnest(regexp_extract_all(v.sql, 'AT \\(VERSION => (\\d+)\\)', 1))::BIGINT
        FROM {METADATA}.ducklake_view v
        JOIN {METADATA}.ducklake_schema s ON s.schema_id = v.schema_id AND s.schema_name = 'marts'
        WHERE v.begin_snapshot <= ? AND (v.end_snapshot IS NULL OR v.end_snapshot > ?)
        """,
        [snapshot, snapshot],
    ).fetchall()
    return {int(pinned) for (pinned,) in rows}


def _catalog_files(con: duckdb.DuckDBPyConnection) -> Files:
    row = con.execute(
        f"SELECT count(*), coalesce(sum(file_size_bytes), 0) FROM ("
        f"SELECT file_size_bytes FROM {METADATA}.ducklake_data_file "
        f"UNION ALL SELECT file_size_bytes FROM {METADATA}.ducklake_delete_file)"
    ).fetchone()
    assert row is not None
    return Files(int(row[0]), int(row[1]))


def _disk_files(data_path: str) -> Files:
    count = size = 0
    for folder, _, names in os.walk(data_path):
        for name in names:
            if name.endswith(".parquet"):  # what DuckLake writes, and all its orphan clean-up considers
                count += 1
                size += _stat_size(os.path.join(folder, name)) or 0
    return Files(count, size)


def _stat_size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _timestamp(moment: datetime) -> str:
    return f"TIMESTAMPTZ '{moment.astimezone(UTC).isoformat()}'"


def _scheduled_cutoff(con: duckdb.DuckDBPyConnection, before: datetime) -> str | None:
    """The argument of `ducklake_cleanup_old_files` that deletes the files scheduled before `before`, or None.

    Its `older_than` is compared with the catalog's `schedule_start` as text on the SQLite
    catalog ('2026-12-03 10:36:31+00' against '2026-12-03T09:36:31+00'), where every time of
    the cutoff's own day counts as older. So: `cleanup_all` when every scheduled file is
    old enough (the nightly case); otherwise the end of the last whole UTC day before
    `before`, which means the same on both catalogs, and the rest waits for a later day.
    """
    scheduled = [
        _aware(at)
        for (at,) in con.execute(
            f"SELECT CAST(schedule_start AS TIMESTAMPTZ) FROM {METADATA}.ducklake_files_scheduled_for_deletion"
        ).fetchall()
    ]
    if not any(at < before for at in scheduled):
        return None
    if all(at < before for at in scheduled):
        return "cleanup_all => true"
    last_day = datetime.combine(before.astimezone(UTC).date(), datetime.min.time(), UTC) - timedelta(microseconds=1)
    return f"older_than => {_timestamp(last_day)}"


def _delete(con: duckdb.DuckDBPyConnection, function: str, cutoff: str | None, local: bool) -> tuple[int, int | None]:
    """Run a DuckLake clean-up function with `cutoff` (its argument): (files deleted, bytes freed)."""
    if cutoff is None:
        return 0, 0 if local else None
    call = f"CALL {function}('{LAKE}', {cutoff}"
    # The functions return paths only: a dry run first names the files, so their sizes can be taken.
    candidates = [str(row[0]) for row in con.execute(f"{call}, dry_run => true)").fetchall()]
    if not candidates:
        return 0, 0 if local else None
    sizes = {path: _stat_size(path) or 0 for path in candidates} if local else None
    deleted = [str(row[0]) for row in con.execute(f"{call})").fetchall()]
    return len(deleted), sum(sizes.get(path, 0) for path in deleted) if sizes is not None else None


def _refuse_live_orphans(con: duckdb.DuckDBPyConnection, cutoff: str) -> None:
    """Stop before deleting "orphans" that bear the name of a file the catalog lists.

    DuckLake finds orphans by comparing path strings under the data path; a data path spelled
    differently from the one the lake was created with would make every live file an orphan.
    File names are UUIDs, so a shared name means the same file.
    """
    candidates = con.execute(f"CALL ducklake_delete_orphaned_files('{LAKE}', {cutoff}, dry_run => true)").fetchall()
    if not candidates:
        return
    known = _names(
        row[0]
        for row in con.execute(
            f"SELECT path FROM {METADATA}.ducklake_data_file UNION ALL "
            f"SELECT path FROM {METADATA}.ducklake_delete_file UNION ALL "
            f"SELECT path FROM {METADATA}.ducklake_files_scheduled_for_deletion"
        ).fetchall()
    )
    live = _names(row[0] for row in candidates) & known
    if live:
        raise MaintenanceError(
            f"refusing to delete {len(live)} 'orphaned' files that the catalog lists "
            f"(e.g. {sorted(live)[0]}): is BACKLOT_DATA_PATH spelled as when the lake was created?"
        )


def _names(paths: Iterable[object]) -> set[str]:
    return {Path(str(path)).name for path in paths}


def _files(files: Files) -> str:
    return f"{files.files:,} files, {_size(files.bytes)}"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1000
    raise AssertionError  # unreachable: the loop returns at GB


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60 == 0 and minutes:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def _ranges(ids: Iterable[int]) -> str:
    """1, 2, 3, 5 -> "1-3, 5"."""
    spans: list[list[int]] = []
    for i in sorted(ids):
        if spans and i == spans[-1][1] + 1:
            spans[-1][1] = i
        else:
            spans.append([i, i])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)
