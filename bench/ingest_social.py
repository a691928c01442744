"""Benchmark: YouTube videos.list responses, landing -> published, beside a bare DuckDB `read_json`.

Run by `make bench` (not by the tests): `python bench/ingest_social.py [--quick]`.

A collector saves one `videos.list` response per fetch: here 1,000 videos (statistics as
strings, one video's likes hidden) in the `{"fetched_at", "response"}` envelope. For a
small and a large delivery (100 and 1,000 files = 100k and 1M items; `--quick`: 10 and
100 files) it times, each in a fresh temporary BACKLOT_HOME, and each the faster of two runs:

* bare: `CREATE TABLE AS SELECT fetched_at, unnest(response.items, recursive := true)
  FROM read_json([files])` into a fresh DuckLake - DuckDB reading and flattening the items;
* Backlot load: `load_batch` of the files (whole-file checks, typing, quarantine split,
  the raw suite, commit);
* Backlot pass: the whole `run_once()` (films and links too, dbt, mart checks, publish);

and prints the marginal cost per item, (large - small) / (bare large - bare small). Then
the same 1M items as one big file against 1,000 small ones (load and bare).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import measure_modes

VIDEOS_PER_FILE = 1_000
FILMS = 40

CHILD = r"""
import json, os, sys, time
from pathlib import Path
home, folder, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
os.environ["BACKLOT_HOME"] = str(home)
from pipelines import lakehouse
files = sorted(str(p) for p in (folder / "youtube").iterdir())
if mode == "bare":
    con = lakehouse.connect()
    started = time.perf_counter()
    con.execute(
        "CREATE TABLE raw_bare AS SELECT fetched_at, unnest(response.items, recursive := true) "
        f"FROM read_json({files!r}, maximum_object_size = 1073741824)"
    )
    print(json.dumps({"seconds": time.perf_counter() - started}))
    sys.exit()
from pipelines.lib.landing import deliver
from pipelines.settings import load_settings
settings = load_settings()
for source in ("films", "social_links", "youtube"):
    for path in sorted((folder / source).iterdir()):
        deliver(settings.landing(source), path.name, path)
if mode == "load":
    from pipelines.lib.loading import load_pending
    from pipelines.sources import SOURCES
    con = lakehouse.connect()
    started = time.perf_counter()
    report = load_pending(con, SOURCES["youtube"], settings.landing("youtube"))
    print(json.dumps({"seconds": time.perf_counter() - started, "stages": report.stages, "loaded": report.rows_loaded}))
else:
    from pipelines.run import run_once
    started = time.perf_counter()
    outcome = run_once()
    print(json.dumps({"seconds": time.perf_counter() - started, "published": outcome.published}))
"""


def _item(video_id: str, views: int) -> str:
    likes = "" if video_id.endswith("7") else f'"likeCount": "{views // 25}", '  # hidden likes
    return (
        f'{{"kind": "youtube#video", "etag": "e{video_id}", "id": "{video_id}", '
        f'"snippet": {{"publishedAt": "2026-05-01T15:00:00Z", "channelId": "UCbench", "title": "Trailer {video_id}"}}, '
        f'"statistics": {{"viewCount": "{views}", {likes}"favoriteCount": "0", "commentCount": "{views // 300}"}}}}'
    )


def _response(at: datetime, items: list[str]) -> str:
    body = (
        '{"kind": "youtube#videoListResponse", "etag": "x", "items": [' + ", ".join(items) + "], "
        f'"pageInfo": {{"totalResults": {len(items)}, "resultsPerPage": {len(items)}}}}}'
    )
    return f'{{"fetched_at": "{at:%Y-%m-%dT%H:%M:%SZ}", "response": {body}}}'


def write_delivery(folder: Path, files: int, *, one_big: bool = False) -> Path:
    """`files` hourly snapshots of 1,000 videos (or, one_big, the same number of items in one file)."""
    start = datetime(2026, 6, 1, tzinfo=UTC)
    (folder / "youtube").mkdir(parents=True)
    (folder / "films").mkdir()
    (folder / "social_links").mkdir()
    (folder / "films" / "films.csv").write_text(
        "film_id,title,release_date,production_budget_usd\n"
        + "".join(f"film-{f},Film {f},2026-09-01,{(f + 1) * 1_000_000}\n" for f in range(FILMS))
    )
    (folder / "social_links" / "links.csv").write_text(
        "platform,object_id,film_id,role\n"
        + "".join(f"youtube,v{v},film-{v % FILMS},trailer\n" for v in range(VIDEOS_PER_FILE))
    )
    if one_big:  # one response with every item: distinct videos, so no item is a repeat observation
        items = [_item(f"v{k}", 1_000 + k) for k in range(files * VIDEOS_PER_FILE)]
        (folder / "youtube" / "videos.json").write_text(_response(start, items))
        return folder
    for hour in range(files):
        items = [_item(f"v{v}", 1_000 + v * 10 + hour * 97) for v in range(VIDEOS_PER_FILE)]
        (folder / "youtube" / f"videos_{hour:04d}.json").write_text(_response(start + timedelta(hours=hour), items))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 100 files instead of 100 and 1,000")
    args = parser.parse_args()
    small, large = (10, 100) if args.quick else (100, 1_000)

    workdir = Path(tempfile.mkdtemp(prefix="backlot-bench-social-"))
    try:
        folders = {files: write_delivery(workdir / f"files_{files}", files) for files in (small, large)}
        results = {
            files: measure_modes(CHILD, workdir, str(folders[files]), ("bare", "load", "pass"))
            for files in (small, large)
        }
        big = write_delivery(workdir / "one_big", large, one_big=True)
        one_big = measure_modes(CHILD, workdir, str(big), ("bare", "load"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def seconds(figures: dict[str, object]) -> float:
        value = figures["seconds"]
        assert isinstance(value, float)
        return value

    items = {files: files * VIDEOS_PER_FILE for files in (small, large)}
    bare = seconds(results[large]["bare"]) - seconds(results[small]["bare"])
    print(f"youtube videos.list: {small:,} vs {large:,} files of {VIDEOS_PER_FILE:,} items, {os.cpu_count()} CPUs")
    print(f"{'':24}{items[small]:>14,}{items[large]:>14,}{'difference':>14}{'x bare':>10}")
    for mode, label in (("bare", "bare read_json"), ("load", "Backlot load"), ("pass", "Backlot pass")):
        difference = seconds(results[large][mode]) - seconds(results[small][mode])
        print(
            f"{label:24}{seconds(results[small][mode]):>13.2f}s{seconds(results[large][mode]):>13.2f}s"
            f"{difference:>13.2f}s{difference / bare:>9.1f}x"
        )
    print(f"load stages at {items[large]:,} items: {results[large]['load'].get('stages')}")
    print(f"\n{items[large]:,} items as {large:,} files against one file:")
    for mode, label in (("bare", "bare read_json"), ("load", "Backlot load")):
        many, one = seconds(results[large][mode]), seconds(one_big[mode])
        print(f"{label:24}{many:>10.2f}s in {large:,} files{one:>10.2f}s in one file  ({many / one:.2f}x)")
    print(f"peak RSS of the measuring children: {results[large]['pass']['peak_rss_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
