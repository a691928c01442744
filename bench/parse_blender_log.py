"""Benchmark: parse a ~1 GB Blender render log; print MB/s and peak RSS.

The log is the real Blender 3.4.1 Cycles capture (tests/fixtures/blender/) repeated with its
frames renumbered, written to a temporary file that is deleted afterwards.

    .venv/bin/python bench/parse_blender_log.py [--mb 1024] [--duckdb]

`--duckdb` also times the same per-frame summary done in DuckDB SQL (read the log as one
column of lines, `regexp_extract`, group by frame) for comparison.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from pipelines.defs.render.blender_log import parse_file

FIXTURE = Path(__file__).resolve().parent.parent / "tests/fixtures/blender/backrooms__sh010__render-00__job-0001.log"


def frames_template() -> str:
    """The real capture's two frames (`Fra:` lines through the blank line after `Time:`)."""
    lines = FIXTURE.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("Fra:1 "))
    end = max(i for i, line in enumerate(lines) if line.startswith(" Time:")) + 2
    block = "".join(lines[start:end]).replace("%", "%%")
    for frame in (1, 2):
        block = block.replace(f"Fra:{frame} ", f"Fra:%(f{frame})d ").replace(
            f"frame_{frame:04d}", f"frame_%(f{frame})04d"
        )
    return block


def write_log(path: Path, megabytes: int) -> int:
    template = frames_template()
    target = megabytes * 1024 * 1024
    written = 0
    frame = 0
    with path.open("w") as handle:
        handle.write("Blender 3.4.1\n")
        while written < target:
            batch = []
            for _ in range(500):
                batch.append(template % {"f1": frame + 1, "f2": frame + 2})
                frame += 2
            text = "".join(batch)
            handle.write(text)
            written += len(text)
        handle.write("\nBlender quit\n")
    return frame


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def duckdb_summary(path: Path) -> tuple[float, int]:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(
        """
        WITH lines AS (
            SELECT line FROM read_csv(?, columns = {'line': 'VARCHAR'}, delim = '\\0', header = false,
                                      quote = '', escape = '', auto_detect = false)
            WHERE line LIKE 'Fra:%'
        )
        SELECT count(*) FROM (
            SELECT regexp_extract(line, '^Fra:(\\d+)', 1) AS frame,
                   max(CAST(regexp_extract(line, '\\(Peak ([0-9.]+)M', 1) AS DOUBLE)) AS peak_mib,
                   max(regexp_extract(line, 'Sample (\\d+)/', 1)) AS samples
            FROM lines GROUP BY frame
        )
        """,
        [str(path)],
    ).fetchone()
    return time.perf_counter() - started, int(rows[0]) if rows else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the generated log in MiB")
    parser.add_argument("--duckdb", action="store_true", help="also time the DuckDB SQL version")
    args = parser.parse_args()

    handle, name = tempfile.mkstemp(prefix="backlot-bench-", suffix=".log")
    os.close(handle)
    path = Path(name)
    try:
        frames_written = write_log(path, args.mb)
        size_mb = path.stat().st_size / 1e6
        rss_before = rss_mib()
        started = time.perf_counter()
        frames = rendered = 0
        for record in parse_file(path):
            frames += 1
            rendered += record.status == "rendered"
        elapsed = time.perf_counter() - started
        assert frames == frames_written == rendered, (frames, frames_written, rendered)
        print(f"log: {size_mb:,.0f} MB, {frames:,} frames")
        print(f"python parser: {elapsed:.2f} s, {size_mb / elapsed:,.0f} MB/s")
        print(f"peak RSS: {rss_mib():,.0f} MiB (before parsing: {rss_before:,.0f} MiB)")
        if args.duckdb:
            seconds, groups = duckdb_summary(path)
            print(f"duckdb SQL summary: {seconds:.2f} s, {size_mb / seconds:,.0f} MB/s ({groups:,} frames)")
            print(f"peak RSS after duckdb: {rss_mib():,.0f} MiB")
    finally:
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
