"""What a pass rebuilds: the models downstream of the sources whose rows changed since their last publish.

A build records, per source it covered, a watermark: the newest `_loaded_at` in `raw` when it
ran. Rows loaded after the watermark of the last *published* build covering the source are
new to the next pass; a pass whose build is never published (a failed check) leaves the
watermarks where they were, so the next pass recomputes its rows as well. Recomputing is
idempotent: the incremental models replace whole partitions.

A pass rebuilds everything (dbt's `--full-refresh`, views included) when no build was ever
published, when the dbt project changed since the last published one, or when asked.
Otherwise views are left alone: their definition has not changed, and they compute on read;
and the models downstream of a source whose new rows are half or more of all its rows are
rebuilt whole rather than partition by partition (`WHOLE_SHARE`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from pipelines.lib.dbt import project_checksum

# When a source's new rows are at least this share of all its rows (a first big load, a
# backfill), the models downstream of it are rebuilt whole: recomputing most partitions one
# by one costs more than computing the table once.
WHOLE_SHARE = 0.5


@dataclass(frozen=True)
class PassPlan:
    full: bool
    reason: str
    sources: tuple[str, ...]  # sources with rows new since their last published build
    since: dict[str, str] = field(default_factory=dict)  # per source, that build's watermark
    whole: bool = False  # rebuild the models downstream of `sources` whole, not by partition

    def dbt_args(self) -> list[str] | None:
        """`dbt build` arguments for the pass, or None when there is nothing to rebuild."""
        if self.full:
            return ["--full-refresh", "--exclude-resource-type", "unit_test"]
        if not self.sources:
            return None
        return [
            *(["--full-refresh"] if self.whole else []),
            "--select",
            *(f"source:raw.{source}+" for source in self.sources),
            "--exclude",
            "config.materialized:view",
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            json.dumps({"since": self.since}),
        ]


PUBLISHED_BUILDS = "meta.builds b WHERE b.run_id IN (SELECT run_id FROM meta.publishes)"


def plan(con: duckdb.DuckDBPyConnection, *, full_refresh: bool = False) -> PassPlan:
    """The plan of the pass about to build, from meta.loads and meta.builds."""
    loads = con.execute(
        "SELECT source, loaded_at, rows_loaded FROM meta.loads WHERE status = 'loaded' AND rows_loaded > 0"
    ).fetchall()
    loaded = tuple(sorted({source for source, _, _ in loads}))
    if full_refresh:
        return PassPlan(True, "a full refresh was asked for", loaded)
    last = con.execute(f"SELECT project_sha256 FROM {PUBLISHED_BUILDS} ORDER BY b.built_at DESC LIMIT 1").fetchone()
    if last is None:
        return PassPlan(True, "no build has been published yet", loaded)
    if last[0] != project_checksum():
        return PassPlan(True, "the dbt project changed since the last published build", loaded)
    watermarks: dict[str, datetime] = dict(
        con.execute(
            "SELECT source, max(watermark) FROM (SELECT unnest(map_keys(b.watermarks)) AS source, "
            f"unnest(map_values(b.watermarks)) AS watermark FROM {PUBLISHED_BUILDS}) GROUP BY ALL"
        ).fetchall()
    )
    new_rows = dict.fromkeys(loaded, 0)
    all_rows = dict.fromkeys(loaded, 0)
    for source, at, rows in loads:
        all_rows[source] += rows
        if source not in watermarks or at > watermarks[source]:
            new_rows[source] += rows
    changed = tuple(source for source in loaded if new_rows[source])
    since = {source: at.isoformat() for source, at in watermarks.items()}
    whole = any(new_rows[source] >= WHOLE_SHARE * all_rows[source] for source in changed)
    described = ", ".join(f"{source} ({new_rows[source]:,} of {all_rows[source]:,} rows)" for source in changed)
    reason = f"sources with new rows since their last published build: {described or 'none'}"
    return PassPlan(False, reason + ("; rebuilt whole" if whole else ""), changed, since, whole)


def watermarks(con: duckdb.DuckDBPyConnection, sources: tuple[str, ...]) -> dict[str, datetime]:
    """The newest `_loaded_at` of each source's raw rows: what a build of them has seen."""
    marks = {}
    for source in sources:
        row = con.execute(f'SELECT max(_loaded_at) FROM raw."{source}"').fetchone()
        if row and row[0] is not None:
            marks[source] = row[0]
    return marks


def record_build(
    con: duckdb.DuckDBPyConnection, run_id: str, pass_plan: PassPlan, marks: dict[str, datetime], marts: list[str]
) -> None:
    """One row in meta.builds: what this run's dbt build covered and which marts it rebuilt."""
    con.execute(
        "INSERT INTO meta.builds VALUES (?, now(), ?, ?, ?, ?, ?)",
        [run_id, pass_plan.full, project_checksum(), list(pass_plan.sources), marks, marts],
    )


def rebuilt_marts(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[bool, list[str]]:
    """Whether this run's build was a full one, and the marts it rebuilt (none without a build)."""
    row = con.execute("SELECT full_refresh, marts FROM meta.builds WHERE run_id = ?", [run_id]).fetchone()
    return (bool(row[0]), list(row[1])) if row else (False, [])
