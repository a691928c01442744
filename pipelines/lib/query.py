"""Read-only access for analysts: `backlot sql`, `backlot status`, `backlot export`, dashboards.

Unqualified names resolve to the published marts: the connection's search path is
`lake.marts`, then `lake.meta` and `lake.quarantine`. The lake is attached READ_ONLY
(and, for `--as-of`, at the publish's snapshot), so a query never blocks a running
pipeline, nor the other way round: DuckLake readers see the last committed snapshot.
Every connection handed out here is then locked down (pipelines/lib/readonly.py): no file
but the lake's, no network, no extension, no setting changed back; `run_sql` also refuses
any statement that is not a read-only query.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines import lakehouse
from pipelines.lib import readonly
from pipelines.settings import Settings, load_settings


class QueryError(Exception):
    pass


_PUBLISHED_SEARCH_PATH = f"{lakehouse.LAKE}.marts,{lakehouse.LAKE}.meta,{lakehouse.LAKE}.quarantine"
# With --as-of, the marts are views in memory.as_of of the audit tables at the publish's snapshot.
_AS_OF_SEARCH_PATH = f"memory.as_of,{lakehouse.LAKE}.meta,{lakehouse.LAKE}.quarantine"


def open_published(as_of: int | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection whose unqualified names are the published marts (as publish `as_of` left them).

    It is sandboxed (readonly.lock_down): it reads the lake and nothing else, and cannot be
    talked out of it. SQL that the caller did not write itself should still go through
    `readonly.execute(con, sql)`, which also refuses what the sandbox alone lets through.
    A DuckDB connection serves one thread at a time: give each thread `published_cursor(con)`.
    """
    return published_connection(load_settings(), as_of)


def published_connection(settings: Settings, as_of: int | None = None) -> duckdb.DuckDBPyConnection:
    """`open_published` for the lake that `settings` name (the BI dialect's homes are not the environment's)."""
    if settings.catalog.startswith("sqlite:") and not Path(settings.catalog.removeprefix("sqlite:")).exists():
        raise QueryError(f"no lakehouse at {settings.catalog}: run `backlot run` or `backlot demo` first")
    if as_of is None:
        con = lakehouse.connect(settings, read_only=True)
        con.execute(f"SET search_path = '{_PUBLISHED_SEARCH_PATH}'")
        return readonly.lock_down(con, settings)
    snapshot, mart_rows = _publish_snapshot(settings, as_of)
    con = lakehouse.connect(settings, read_only=True, snapshot=snapshot)
    # At that snapshot the audit tables hold exactly what the publish exposed.
    con.execute("CREATE SCHEMA IF NOT EXISTS memory.as_of")
    for mart in mart_rows:
        con.execute(f"CREATE VIEW memory.as_of.{mart} AS SELECT * FROM {lakehouse.LAKE}.audit.{mart}")
    con.execute(f"SET search_path = '{_AS_OF_SEARCH_PATH}'")
    return readonly.lock_down(con, settings)


def _publish_snapshot(settings: Settings, as_of: int) -> tuple[int, dict[str, int]]:
    """The snapshot publish `as_of` pinned its marts to, and its marts; QueryError when it cannot be read."""
    probe = lakehouse.connect(settings, read_only=True)
    try:
        # Numbers in the SQL text, not parameters: binding one imports pandas (see readonly._literal).
        row = probe.execute(
            f"SELECT snapshot_id, mart_rows FROM meta.publishes WHERE publish_id = {int(as_of)}"
        ).fetchone()
        kept = row is not None and probe.execute(
            f"SELECT count(*) FROM ducklake_snapshots('{lakehouse.LAKE}') WHERE snapshot_id = {int(row[0])}"
        ).fetchone() == (1,)
    finally:
        probe.close()
    if row is None:
        raise QueryError(f"no publish with id {as_of} (see `backlot sql 'from meta.publishes'`)")
    if not kept:
        # Lake maintenance (`backlot maintain`, pipelines/lib/maintenance.py) expired it.
        raise QueryError(
            f"publish {as_of} is no longer readable: lake maintenance expired its snapshot {row[0]} "
            f"(publishes older than BACKLOT_SNAPSHOT_RETENTION_DAYS={settings.snapshot_retention_days} days "
            "are expired, except the latest)"
        )
    return int(row[0]), dict(row[1])


def published_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of `con` for another thread, resolving names as `con` does.

    Cursors share `con`'s database, so its sandbox and its lake, and cost a few milliseconds
    where a new connection costs a new DuckDB; but a cursor starts with DuckDB's default
    names, so the search path is set again. Only the new cursor is used here, so any
    thread may call this while another is querying `con`.
    """
    cursor = con.cursor()
    time_travel = cursor.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE database_name = 'memory' AND schema_name = 'as_of'"
    ).fetchone() == (1,)
    cursor.execute(f"USE {lakehouse.LAKE}")
    cursor.execute(f"SET search_path = '{_AS_OF_SEARCH_PATH if time_travel else _PUBLISHED_SEARCH_PATH}'")
    return cursor


def run_sql(query: str, *, as_of: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run an analyst's query on the published marts; `readonly.Refused` for anything but a read-only query."""
    con = open_published(as_of)
    try:
        relation = readonly.execute(con, query)
        columns = [d[0] for d in relation.description or []]
        return columns, relation.fetchall()
    finally:
        con.close()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list | tuple):
        return json.loads(json.dumps(value, default=str))
    return value


def render(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows], indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if v is None else _plain(v) for v in row] for row in rows])
        return out.getvalue().rstrip("\n")
    return table(columns, rows)


def _cell(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"  # view counts and row counts read better grouped
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return str(_plain(value))


def table(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [
        all(isinstance(row[i], int | float | Decimal) or row[i] is None for row in rows) for i in range(len(columns))
    ]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


# How long `backlot status` shows a warning about a loaded file (schema drift).
WARNING_DAYS = 7


def status() -> dict[str, Any]:
    """Per source: files, rows loaded and quarantined, last load; last publish; failing checks; warnings
    about loaded files."""
    con = open_published()
    try:
        # One transaction, so one snapshot: a publish committing meanwhile shows whole or not at all.
        con.execute("BEGIN TRANSACTION")
        sources = [
            dict(
                zip(
                    (
                        "source",
                        "files_loaded",
                        "files_duplicate",
                        "files_rejected",
                        "rows_loaded",
                        "rows_quarantined",
                        "last_load_at",
                    ),
                    row,
                    strict=True,
                )
            )
            for row in con.execute(
                "SELECT source, count(*) FILTER (WHERE status = 'loaded'), "
                "count(*) FILTER (WHERE status = 'duplicate'), count(*) FILTER (WHERE status = 'rejected'), "
                "sum(rows_loaded), sum(rows_quarantined), max(loaded_at) "
                "FROM meta.loads GROUP BY source ORDER BY source"
            ).fetchall()
        ]
        last = con.execute(
            "SELECT publish_id, snapshot_id, published_at, mart_rows FROM meta.publishes "
            "ORDER BY publish_id DESC LIMIT 1"
        ).fetchone()
        # Files that loaded with a warning (schema drift: columns not read, required ones absent),
        # once per source and warning with its latest file: a producer's change of format stays
        # news for a week, however many clean files follow it.
        warnings = [
            dict(zip(("source", "warning", "files", "latest_file", "latest_at"), row, strict=True))
            for row in con.execute(
                "SELECT source, detail, count(*), arg_max(file_name, loaded_at), max(loaded_at) FROM meta.loads "
                f"WHERE status = 'loaded' AND detail IS NOT NULL AND loaded_at > now() - INTERVAL {WARNING_DAYS} DAY "
                "GROUP BY ALL ORDER BY source, max(loaded_at) DESC"
            ).fetchall()
        ]
        # A check is failing when its most recent result failed.
        failing = [
            dict(zip(("target", "suite", "checked_at", "engine_error", "details"), row, strict=True))
            for row in con.execute(
                "SELECT target, suite, checked_at, engine_error, details FROM meta.quality_results "
                "QUALIFY row_number() OVER (PARTITION BY target ORDER BY checked_at DESC) = 1 AND NOT success "
                "ORDER BY target"
            ).fetchall()
        ]
    finally:
        con.close()
    return {
        "sources": sources,
        "last_publish": (
            dict(zip(("publish_id", "snapshot_id", "published_at", "mart_rows"), last, strict=True)) if last else None
        ),
        "failing_checks": failing,
        "load_warnings": warnings,
    }


def render_status(report: dict[str, Any]) -> str:
    rows = [tuple(s.values()) for s in report["sources"]]
    columns = ["source", "files", "duplicates", "rejected", "rows loaded", "rows quarantined", "last load"]
    parts = [table(columns, rows) if rows else "no files loaded yet"]
    last = report["last_publish"]
    if last:
        parts.append(f"last publish: {last['publish_id']} at {last['published_at']} (snapshot {last['snapshot_id']})")
    else:
        parts.append("last publish: none")
    if report["failing_checks"]:
        parts.append("failing checks:")
        parts += [f"  {c['target']}: {c['engine_error'] or c['details']}" for c in report["failing_checks"]]
    else:
        parts.append("failing checks: none")
    if report.get("load_warnings"):
        parts.append(f"warnings about loaded files (last {WARNING_DAYS} days; meta.loads.detail):")
        parts += [
            f"  {w['source']}: {w['warning']} ({w['files']:,} file{'s' if w['files'] != 1 else ''}, "
            f"latest {w['latest_file']} at {w['latest_at']})"
            for w in report["load_warnings"]
        ]
    return "\n".join(parts)
