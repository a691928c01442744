"""The cost of a pass against the lake's history: the same small file into ever larger lakes.

For each history size N, a fresh BACKLOT_HOME gets a 5,000-film catalog (through `backlot
run`), then N daily chart rows and N/2 render events written straight into `raw` by DuckDB
(synthetic: five years of days for 5,000 films; 2,000-frame shots of 50 films on 64 workers),
published by one `backlot run --full-refresh`. Then an 11-row daily file is landed and taken
to published by a cold `backlot run` (a new process, as an operator or cron runs it), twice
with two different files; then the same with an 11-event render file (a new shot's frames).
The faster of each pair is shown, with its multiple of the empty lake's pass. Beside it, bare
DuckDB on the same input: a new process that attaches the same lake and copies the same file
into a table (`CREATE TABLE ... AS SELECT * FROM read_csv(file)` or `read_json`), which is
what any pass must at least do.

    .venv/bin/python bench/incremental_passes.py                          # 0, 1M, 10M, 20M, 50M, 100M rows
    .venv/bin/python bench/incremental_passes.py --sizes 0 1000000        # a quick curve
    --keep       keep the temporary folder and each size's home

Rows of history take disk (about 12 bytes a daily row in Parquet) and the full refresh that
publishes them takes minutes at 100M rows on two cores; the pass after it should not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FILMS = 5_000
BATCH_ROWS = 11

FILMS_HEADER = "film_id,title,release_date,production_budget_usd,production_model,distributor\n"

HISTORY_SQL = """
INSERT INTO lake.raw.box_office_daily BY NAME
SELECT
    DATE '2021-01-01' + (i // {films})::INTEGER % 1826 AS date,
    'Film ' || (i % {films}) AS title,
    ((i * 7919) % 5000000)::DOUBLE AS gross_usd,
    (i % 4000)::BIGINT AS theaters,
    'film-' || (i % {films}) AS film_id,
    'Distributor' AS distributor,
    NULL::BIGINT AS rank,
    CASE WHEN i // ({films} * 1826) % 2 = 0 THEN 'domestic' ELSE 'uk' END AS territory,
    false AS is_estimate,
    TIMESTAMPTZ '2021-01-02 00:00:00+00' + to_days(((i // {films}) % 1826)::INTEGER) AS reported_at,
    'history' AS _file_sha256,
    'history.csv' AS _file_name,
    i AS _row_number,
    now() AS _loaded_at
FROM range({rows}) t(i)
"""

RENDER_HISTORY_SQL = """
INSERT INTO lake.raw.render_events BY NAME
SELECT
    'history-' || i AS event_id,
    'frame_finished' AS event_type,
    TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(i // 8) AS ts,
    'job-' || (i // 2000) AS job_id,
    'film-' || (i // 2000 % 50) AS film_id,
    'shot-' || (i // 2000) AS shot,
    (i % 2000)::BIGINT AS frame,
    'node-' || (i % 64) AS worker,
    'NVIDIA L4' AS gpu_model,
    (60 + i % 300)::DOUBLE AS render_seconds,
    256::BIGINT AS samples,
    1920::BIGINT AS resolution_x,
    1080::BIGINT AS resolution_y,
    8000.0::DOUBLE AS peak_memory_mb,
    NULL AS error,
    NULL::DOUBLE AS usd_per_hour,
    'history' AS _file_sha256,
    'history.jsonl' AS _file_name,
    i AS _row_number,
    now() AS _loaded_at
FROM range({rows}) t(i)
"""

BARE = """
import sys, duckdb
from pipelines import lakehouse
from pipelines.settings import load_settings
con = duckdb.connect()
lakehouse.install_extensions(con)
con.execute(lakehouse.attach_sql(load_settings()))
reader = "read_json" if sys.argv[1].endswith(".jsonl") else "read_csv"
con.execute(f"CREATE OR REPLACE TABLE lake.main.bare AS SELECT * FROM {reader}(?)", [sys.argv[1]])
"""


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BACKLOT_HOME": str(home),
        "DAGSTER_DISABLE_TELEMETRY": "true",
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _backlot(home: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], env=_env(home), cwd=REPO, check=True, capture_output=True
    )
    return time.perf_counter() - started


def _daily_file(folder: Path, number: int) -> Path:
    path = folder / f"daily-{number}.csv"
    lines = ["date,film_id,title,gross_usd,theaters,is_estimate,reported_at"]
    lines += [
        f"2026-12-0{1 + number},film-{film},Film {film},{1000 + film},10,false,2026-12-0{2 + number}T10:00:00Z"
        for film in range(BATCH_ROWS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _render_file(folder: Path, number: int) -> Path:
    """Eleven frames of a new shot of a film the history renders, on a worker it uses."""
    path = folder / f"events-{number}.jsonl"
    path.write_text(
        "".join(
            f'{{"event_id": "bench-{number}-{frame}", "event_type": "frame_finished", '
            f'"ts": "2026-12-0{1 + number}T10:00:{frame:02d}Z", "job_id": "bench-job-{number}", '
            f'"film_id": "film-7", "shot": "bench-shot-{number}", "frame": {frame}, "worker": "node-3", '
            f'"gpu_model": "NVIDIA L4", "render_seconds": 120.5, "resolution_x": 1920, "resolution_y": 1080}}\n'
            for frame in range(BATCH_ROWS)
        )
    )
    return path


def _history(home: Path, rows: int) -> None:
    """`rows` daily rows and `rows // 2` render events written straight into raw, and meta.loads rows saying so."""
    code = (
        "import sys; from pipelines import lakehouse; from pipelines.settings import load_settings\n"
        "con = lakehouse.connect(load_settings())\n"
        f"con.execute({HISTORY_SQL.format(films=FILMS, rows=rows)!r})\n"
        f"con.execute({RENDER_HISTORY_SQL.format(rows=rows // 2)!r})\n"
        "con.execute(\"INSERT INTO meta.loads VALUES ('history', 'box_office_daily', 'history.csv', 'loaded', "
        f"{rows}, 0, now(), 0, NULL, 'bench'), ('history', 'render_events', 'history.jsonl', 'loaded', "
        f"{rows // 2}, 0, now(), 0, NULL, 'bench')\")\n"
    )
    subprocess.run([sys.executable, "-c", code], env=_env(home), cwd=REPO, check=True)


def measure(workdir: Path, rows: int, *, keep: bool) -> dict[str, float]:
    home = workdir / f"home-{rows}"
    films = workdir / "films.csv"
    films.write_text(
        FILMS_HEADER
        + "".join(f"film-{n},Film {n},2021-01-01,{1_000_000 + n},indie_digital,Distributor\n" for n in range(FILMS))
    )
    _backlot(home, "ingest", "films", str(films))
    _backlot(home, "ingest", "box_office_daily", str(_daily_file(workdir, 0)))
    _backlot(home, "ingest", "render_events", str(_render_file(workdir, 0)))
    _backlot(home, "run")
    if rows:
        _history(home, rows)
    figures = {"full_refresh": _backlot(home, "run", "--full-refresh")}
    for source, batch in (("box_office_daily", _daily_file), ("render_events", _render_file)):
        passes, bare = [], []
        for number in (1, 2):
            path = batch(workdir, number)
            _backlot(home, "ingest", source, str(path))
            passes.append(_backlot(home, "run"))
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", BARE, str(path)], env=_env(home), cwd=REPO, check=True)
            bare.append(time.perf_counter() - started)
        figures[source] = min(passes)
        figures[f"{source} bare"] = min(bare)
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[0, 1_000_000, 10_000_000, 20_000_000, 50_000_000, 100_000_000]
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="backlot-bench-incremental-"))
    print(f"load average {os.getloadavg()[0]:.2f}; {FILMS:,}-film catalog; {BATCH_ROWS}-row files; in {workdir}")
    print(
        f"{'daily rows':>12} {'render events':>14} {'full refresh s':>15} "
        f"{'daily pass s':>13} {'x empty':>8} {'bare s':>7} {'render pass s':>14} {'x empty':>8} {'bare s':>7}"
    )
    empty: dict[str, float] = {}
    try:
        for rows in args.sizes:
            figures = measure(workdir, rows, keep=args.keep)
            line = f"{rows:>12,} {rows // 2:>14,} {figures['full_refresh']:>15.1f}"
            for source, width in (("box_office_daily", 13), ("render_events", 14)):
                empty.setdefault(source, figures[source])
                line += (
                    f" {figures[source]:>{width}.1f} {figures[source] / empty[source]:>8.2f}"
                    f" {figures[f'{source} bare']:>7.2f}"
                )
            print(line, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
