"""Benchmark: render-farm events (JSON Lines), landing -> published, beside a bare DuckDB `read_json`.

Run by `make bench` (not by the tests): `python bench/ingest_render.py [--quick]`.

For a small and a large events file (1M and 10M events; `--quick`: 100k and 1M) it times,
each in a fresh temporary BACKLOT_HOME, and each the faster of two runs:

* bare: `CREATE TABLE AS SELECT * FROM read_json(file)` into a fresh DuckLake;
* floor: `floor_sql`, the least any implementation of the contract does to publish
  render_efficiency, in bare DuckDB (hash, text read, casts, dedup, raw, mart);
* checked floor: the floor plus the least of the guarantees the issue names (a reason per
  bad line, quarantine, the suite's checks), still in bare DuckDB;
* Backlot load: `load_batch` of the file (read, type, quarantine split, suite, commit);
* Backlot pass: the whole `run_once()` (load, dbt, mart checks, publish) on that file;

and prints the marginal cost per event, (large - small) / (bare large - bare small), for each.
The Blender-log parse speed (MB/s on a 1 GB log, flat memory) is measured by
`bench/parse_blender_log.py`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from harness import measure_modes

EVENTS_SQL = """
COPY (
    SELECT
        'e' || i AS event_id,
        CASE i % 3 WHEN 0 THEN 'frame_started' WHEN 1 THEN 'frame_finished' ELSE 'frame_failed' END AS event_type,
        strftime(TIMESTAMP '2026-06-01 08:00:00' + to_seconds(i), '%Y-%m-%dT%H:%M:%SZ') AS ts,
        'job-' || (i // 1000) AS job_id,
        'film-' || (i % 40) AS film_id,
        'sh' || lpad(((i // 1000) % 50)::VARCHAR, 3, '0') AS shot,
        i % 1000 AS frame,
        'rtx-node-' || lpad((i % 16)::VARCHAR, 2, '0') AS worker,
        'NVIDIA GeForce RTX 4090' AS gpu_model,
        CASE WHEN i % 3 <> 0 THEN round(60 + (i % 97), 1) END AS render_seconds,
        CASE WHEN i % 3 = 1 THEN 256 END AS samples,
        CASE WHEN i % 3 = 1 THEN 3840 END AS resolution_x,
        CASE WHEN i % 3 = 1 THEN 2160 END AS resolution_y,
        CASE WHEN i % 3 = 1 THEN 14210 END AS peak_memory_mb,
        CASE WHEN i % 3 = 2 THEN 'Out of memory in CUDA queue enqueue' END AS error
    FROM range({rows}) t(i)
) TO '{path}' (FORMAT json)
"""


def floor_sql(path: Path, sha256: str, *, checked: bool) -> str:
    """The least any implementation of the contract does to publish render_efficiency, in bare DuckDB.

    Read each value as text, so a value of the wrong JSON type is caught on its line (DuckDB's
    typed reader reads `true` as 1 and fails a whole file on one bad value); type it with
    plain casts; keep each event_id once; write raw with each row's line and the file's
    SHA-256 (the caller hashes it); aggregate the mart with the rate card's price. No
    quarantine split, no reasons, no checks, no audit step.

    `checked` adds the least of the guarantees the issue names: a reason for every line that
    cannot be loaded (a missing required field, a value that does not cast, an unknown
    event_type), those lines in quarantine as text, and the suite's checks on the loaded rows.
    """
    from pipelines.defs.render.sources import RENDER_EVENTS

    columns, suite = RENDER_EVENTS.columns, RENDER_EVENTS.suite.expectations

    def suite_columns(kind: str) -> list[str]:
        return [e.kwargs["column"] for e in suite if e.type == f"expect_column_values_to_{kind}"]

    typed = [c for c in columns if c.kind != "text"]
    read = ", ".join(f"{c.name}: 'VARCHAR'" for c in columns)
    values = ", ".join(
        c.name if c.kind == "text" else f"TRY_CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in columns
    )
    reasons = (
        [f"CASE WHEN {name} IS NULL THEN '{name} missing' END" for name in suite_columns("not_be_null")]
        + [
            f"CASE WHEN {c.name} IS NOT NULL AND TRY_CAST({c.name} AS {c.sql_type}) IS NULL "
            f"THEN '{c.name} ' || {c.name} || ' is not {c.sql_type}' END"
            for c in typed
        ]
        + [
            f"CASE WHEN NOT list_contains({e.kwargs['value_set']}, {e.kwargs['column']}) "
            f"THEN 'unknown {e.kwargs['column']} ' || {e.kwargs['column']} END"
            for e in suite
            if e.type == "expect_column_values_to_be_in_set"
        ]
    )
    reason = f"concat_ws('; ', {', '.join(reasons)})"
    later_copies = "rowid IN (SELECT l.rowid FROM landed l JOIN repeated USING (event_id) WHERE l.rowid > first)"
    raw = (
        f"CREATE TABLE raw_events AS SELECT {values}, '{sha256}' AS _file_sha256, rowid + 1 AS _row_number "
        f"FROM landed WHERE NOT {later_copies}"
    )
    if checked:
        raw += f""" AND {reason} = '';
CREATE TABLE quarantined AS SELECT *, {reason} AS _reason, rowid + 1 AS _row_number FROM landed
    WHERE {later_copies} OR {reason} <> '';
SELECT count(*), {", ".join(f"count({name})" for name in suite_columns("not_be_null"))},
    {", ".join(f"min({name})" for name in suite_columns("be_between"))} FROM raw_events"""
    return f"""
CREATE TABLE rates AS
    SELECT * FROM (VALUES ('nvidia geforce rtx 4090', 0.69), ('default', 1.0)) r(gpu_model_key, usd_per_hour);
CREATE TEMP TABLE landed AS SELECT * FROM read_json('{path}', format = 'newline_delimited', columns = {{{read}}});
CREATE TEMP TABLE repeated AS SELECT event_id, min(rowid) AS first FROM landed GROUP BY ALL HAVING count(*) > 1;
{raw};
CREATE TABLE render_efficiency AS
SELECT film_id, shot, count(*) FILTER (WHERE event_type = 'frame_finished') AS frames_rendered,
       count(*) FILTER (WHERE event_type = 'frame_failed') AS frames_failed,
       sum(render_seconds) / 3600 AS render_hours,
       sum(render_seconds / 3600 * coalesce(e.usd_per_hour, r.usd_per_hour, d.usd_per_hour)) AS render_cost_usd,
       sum(resolution_x * resolution_y / 1e6) FILTER (WHERE event_type = 'frame_finished') AS megapixels_rendered,
       sum(render_seconds) FILTER (WHERE event_type = 'frame_failed') / sum(render_seconds) AS failure_waste_share
FROM raw_events e LEFT JOIN rates r ON r.gpu_model_key = lower(e.gpu_model)
     CROSS JOIN (SELECT usd_per_hour FROM rates WHERE gpu_model_key = 'default') d
WHERE event_type IN ('frame_finished', 'frame_failed') GROUP BY film_id, shot;
"""


CHILD = r"""
import json, os, sys, time
from pathlib import Path
home, source, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
os.environ["BACKLOT_HOME"] = str(home)
from pipelines import lakehouse
if mode == "bare":
    con = lakehouse.connect()
    started = time.perf_counter()
    con.execute(f"CREATE TABLE raw_bare AS SELECT * FROM read_json('{source}')")
    print(json.dumps({"seconds": time.perf_counter() - started}))
    sys.exit()
if mode in ("floor", "checked floor"):
    import hashlib
    sys.path.insert(0, str(Path.cwd() / "bench"))
    from ingest_render import floor_sql
    con = lakehouse.connect()
    started = time.perf_counter()
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
    con.execute(floor_sql(source, digest.hexdigest(), checked=mode == "checked floor"))
    print(json.dumps({"seconds": time.perf_counter() - started}))
    sys.exit()
from pipelines.lib.landing import deliver
from pipelines.settings import load_settings
settings = load_settings()
deliver(settings.landing("render_events"), source.name, source)
if mode == "load":
    from pipelines.lib.loading import load_pending
    from pipelines.sources import SOURCES
    con = lakehouse.connect()
    started = time.perf_counter()
    report = load_pending(con, SOURCES["render_events"], settings.landing("render_events"))
    print(json.dumps({"seconds": time.perf_counter() - started, "stages": report.stages, "loaded": report.rows_loaded}))
else:
    from pipelines.run import run_once
    started = time.perf_counter()
    outcome = run_once()
    print(json.dumps({"seconds": time.perf_counter() - started, "published": outcome.published}))
"""


MODES = ("bare", "floor", "checked floor", "load", "pass")
LABELS = ("bare read_json", "floor (bare DuckDB)", "checked floor", "Backlot load", "Backlot pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k and 1M events instead of 1M and 10M")
    args = parser.parse_args()
    small, large = (100_000, 1_000_000) if args.quick else (1_000_000, 10_000_000)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import duckdb

    workdir = Path(tempfile.mkdtemp(prefix="backlot-bench-render-"))
    try:
        files = {}
        for rows in (small, large):
            files[rows] = workdir / f"events_{rows}.jsonl"
            duckdb.connect().execute(EVENTS_SQL.format(rows=rows, path=files[rows]))
        results = {rows: measure_modes(CHILD, workdir, str(files[rows]), MODES) for rows in (small, large)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def seconds(rows: int, mode: str) -> float:
        value = results[rows][mode]["seconds"]
        assert isinstance(value, float)
        return value

    bare = seconds(large, "bare") - seconds(small, "bare")
    print(f"render_events JSON Lines: {small:,} vs {large:,} events, {os.cpu_count()} CPUs")
    print(f"{'':24}{small:>14,}{large:>14,}{'difference':>14}{'x bare':>10}")
    for mode, label in zip(MODES, LABELS, strict=True):
        difference = seconds(large, mode) - seconds(small, mode)
        print(
            f"{label:24}{seconds(small, mode):>13.2f}s{seconds(large, mode):>13.2f}s{difference:>13.2f}s"
            f"{difference / bare:>9.1f}x"
        )
    checked_floor = seconds(large, "checked floor") - seconds(small, "checked floor")
    passing = seconds(large, "pass") - seconds(small, "pass")
    print(f"Backlot's pass is {passing / checked_floor:.2f}x the checked floor")
    stages = results[large]["load"].get("stages")
    print(f"load stages at {large:,}: {stages}")
    print(f"peak RSS of the measuring children: {results[large]['pass']['peak_rss_mb']:,.0f} MB")
    print("Blender logs: see bench/parse_blender_log.py (MB/s and peak memory on a 1 GB log)")


if __name__ == "__main__":
    main()
