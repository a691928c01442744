"""Benchmark: render-farm events (JSON Lines), landing -> published, beside a bare DuckDB `read_json`.

Run by `make bench` (not by the tests): `python bench/ingest_render.py [--quick]`.

For a small and a large events file (1M and 10M events; `--quick`: 100k and 1M) it times,
each in a fresh temporary BACKLOT_HOME, and each the faster of two runs:

* bare: `CREATE TABLE AS SELECT * FROM read_json(file)` into a fresh DuckLake;
* Backlot ingest: `load_batch` of the file (read, type, quarantine split, suite, commit);
* Backlot pass: the whole `run_once()` (ingest, dbt, mart checks, publish) on that file;

and prints the marginal cost per event, (large - small) / (bare large - bare small), for the
ingest and for the pass. The Blender-log parse speed (MB/s on a 1 GB log, flat memory) is
measured by `bench/parse_blender_log.py`.
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

# The least any implementation of the contract does to publish render_efficiency from one
# events file, in bare DuckDB: hash the file (raw rows carry its SHA-256), read it typed,
# keep each event_id once, write raw with each row's line, and aggregate the mart with the
# rate card's price. No quarantine split, no reasons, no checks, no audit step.
FLOOR_SQL = """
CREATE TABLE rates AS SELECT * FROM (VALUES ('nvidia geforce rtx 4090', 0.69), ('default', 1.0)) r(gpu_model_key, usd_per_hour);
CREATE TEMP TABLE landed AS SELECT * FROM read_json('{path}', format = 'newline_delimited', columns = {{
    event_id: 'VARCHAR', event_type: 'VARCHAR', ts: 'TIMESTAMPTZ', job_id: 'VARCHAR', film_id: 'VARCHAR',
    shot: 'VARCHAR', frame: 'BIGINT', worker: 'VARCHAR', gpu_model: 'VARCHAR', render_seconds: 'DOUBLE',
    samples: 'BIGINT', resolution_x: 'BIGINT', resolution_y: 'BIGINT', peak_memory_mb: 'DOUBLE', error: 'VARCHAR',
    usd_per_hour: 'DOUBLE'}});
CREATE TEMP TABLE repeated AS SELECT event_id, min(rowid) AS first FROM landed GROUP BY ALL HAVING count(*) > 1;
CREATE TABLE raw_events AS SELECT *, '{sha256}' AS _file_sha256, rowid + 1 AS _row_number FROM landed
    WHERE rowid NOT IN (SELECT l.rowid FROM landed l JOIN repeated USING (event_id) WHERE l.rowid > first);
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
if mode == "floor":
    import hashlib
    sys.path.insert(0, str(Path.cwd() / "bench"))
    from ingest_render import FLOOR_SQL
    con = lakehouse.connect()
    started = time.perf_counter()
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
    con.execute(FLOOR_SQL.format(path=source, sha256=digest.hexdigest()))
    print(json.dumps({"seconds": time.perf_counter() - started}))
    sys.exit()
from pipelines.lib.landing import deliver, pending_files
from pipelines.settings import load_settings
settings = load_settings()
deliver(settings.landing("render_events"), source.name, source)
if mode == "ingest":
    from pipelines.lib.loading import load_batch
    from pipelines.sources import SOURCES
    con = lakehouse.connect()
    started = time.perf_counter()
    report = load_batch(con, SOURCES["render_events"], pending_files(settings.landing("render_events")))
    print(json.dumps({"seconds": time.perf_counter() - started, "stages": report.stages, "loaded": report.rows_loaded}))
else:
    from pipelines.run import run_once
    started = time.perf_counter()
    outcome = run_once()
    print(json.dumps({"seconds": time.perf_counter() - started, "published": outcome.published}))
"""


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
        results = {
            rows: measure_modes(CHILD, workdir, str(files[rows]), ("bare", "ingest", "pass")) for rows in (small, large)
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def seconds(rows: int, mode: str) -> float:
        value = results[rows][mode]["seconds"]
        assert isinstance(value, float)
        return value

    bare = seconds(large, "bare") - seconds(small, "bare")
    print(f"render_events JSON Lines: {small:,} vs {large:,} events, {os.cpu_count()} CPUs")
    print(f"{'':24}{small:>14,}{large:>14,}{'difference':>14}{'x bare':>10}")
    for mode, label in (("bare", "bare read_json"), ("ingest", "Backlot ingest"), ("pass", "Backlot pass")):
        difference = seconds(large, mode) - seconds(small, mode)
        print(
            f"{label:24}{seconds(small, mode):>13.2f}s{seconds(large, mode):>13.2f}s{difference:>13.2f}s"
            f"{difference / bare:>9.1f}x"
        )
    stages = results[large]["ingest"].get("stages")
    print(f"ingest stages at {large:,}: {stages}")
    print(f"peak RSS of the measuring children: {results[large]['pass']['peak_rss_mb']:,.0f} MB")
    print("Blender logs: see bench/parse_blender_log.py (MB/s and peak memory on a 1 GB log)")


if __name__ == "__main__":
    main()
