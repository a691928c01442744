"""The dashboard's first paint and filter round trip on marts built from many daily rows.

Run by `make bench` (not by the tests): `python bench/dashboard_latency.py [--rows N] [--home PATH]`.

The lake `bench/sql_latency.py` builds (4,000 films and `--rows` daily chart rows, 10M by
default, published by one pass), then a second, full pass (`--full-refresh`: nothing is new, and
only a rebuild publishes again), so there is an earlier publish to pick; `--home` reuses a home
already built (the `home/` of `bench/sql_latency.py --keep`, say). Then `backlot dashboard` on a
free loopback port, and headless Debian chromium (Playwright) measures, each the median of several visits:

* **first paint, cold**: the first visitor after the dashboard started (it read the latest
  publish while starting), from navigation to the league table's headline numbers drawn;
* **first paint, warm**: a later visitor (the browser's cache emptied: a new context);
* **chart drawn**: the same, until the ROI chart's SVG is drawn (Plotly's script is loaded
  lazily, after the numbers);
* **filter round trip**: choosing a production model until the table shows only that model;
* **earlier publish, cold**: picking publish 1 (not yet read by this process) until its
  numbers show.

Beside them, bare DuckDB: the league table's data read from the same lake in a fresh
process's plain DuckDB (attach read-only, `SELECT * FROM marts.film_capital_efficiency`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import REPO, free_port, wait_for_http
from ingest_box_office import FILMS
from sql_latency import build_lake

VISITS = 5
CHROMIUM = "/usr/bin/chromium"


def build_home(home: Path, rows: int, workdir: Path) -> None:
    """The `backlot sql` benchmark's lake (4,000 films, `rows` daily rows), then a full pass
    that adds nothing: two publishes, so there is an earlier one to pick."""
    build_lake(home, rows, workdir)
    _backlot(home, "run", "--full-refresh")


def _backlot(home: Path, *args: str) -> str:
    env = {**os.environ, "BACKLOT_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"backlot {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def bare_read(home: Path) -> float:
    """A fresh process's plain DuckDB reading the published league table (the same lake)."""
    child = f"""
import time, duckdb
started = time.perf_counter()
con = duckdb.connect(config={{"extension_directory": {str(_extension_dir())!r}}})
con.execute("ATTACH 'ducklake:sqlite:{home}/lake/catalog.sqlite' AS lake (READ_ONLY)")
con.execute("SELECT * FROM lake.marts.film_capital_efficiency").fetchall()
print(time.perf_counter() - started)
"""
    return float(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout)


def _extension_dir() -> Path:
    sys.path.insert(0, str(REPO))
    from pipelines.lakehouse import extension_dir

    return extension_dir()


def measure(url: str) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, list[float]] = {k: [] for k in ("cold", "warm", "chart", "filter", "publish")}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        # A browser's very first page pays for starting its renderer (about a second here): an
        # investor's browser is already running, so one page of another site is opened first.
        warm_up = browser.new_context()
        warm_up.new_page().goto("about:blank")
        warm_up.close()
        for visit in range(VISITS):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url)
            page.locator("#league-kpi-0").wait_for()
            figures["cold" if visit == 0 else "warm"].append(time.perf_counter() - started)
            page.locator("#league-chart .main-svg").first.wait_for()
            figures["chart"].append(time.perf_counter() - started)

            started = time.perf_counter()
            page.click("#league-model")
            page.get_by_role("option", name="Legacy studio", exact=True).click()
            page.locator("#league-table tbody tr td:nth-child(3)", has_text="Indie digital").first.wait_for(
                state="detached"
            )
            figures["filter"].append(time.perf_counter() - started)
            page.keyboard.press("Escape")

            if visit == 0:  # the first pick of publish 1 reads it; later ones come from memory
                started = time.perf_counter()
                page.click("#publish-picker")
                page.get_by_role("option").filter(has_text="Publish 1 ·").click()
                page.locator("#banner-publish-id", has_text="Publish 1").wait_for()
                page.locator("#league-kpi-0").wait_for()
                figures["publish"].append(time.perf_counter() - started)
            context.close()
        browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="daily chart rows (default 10M)")
    parser.add_argument("--home", type=Path, help="a home already built: skip the build")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (and the home built)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="backlot-bench-dashboard-"))
    try:
        home = args.home
        if home is None:
            home = workdir / "home"
            print(f"building a home: {FILMS:,} films, {args.rows:,} daily rows", flush=True)
            build_home(home, args.rows, workdir)
        port = free_port()
        env = {**os.environ, "BACKLOT_HOME": str(home)}
        started = time.perf_counter()
        dashboard = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "dashboard", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/", 120)
            ready = time.perf_counter() - started
            figures = measure(f"http://127.0.0.1:{port}")
        finally:
            dashboard.send_signal(signal.SIGTERM)
            dashboard.wait(timeout=30)
        bare = min(bare_read(home) for _ in range(3))
        load = os.getloadavg()[0]
        measured = f"the home at {args.home}" if args.home else f"{FILMS:,} films / {args.rows:,} daily rows"
        print(f"\ndashboard on {measured} (load average {load:.1f})")
        print(f"  {'figure':<40} {'median':>9} {'runs':>5}   bare DuckDB (league read, fresh process)")
        print(f"  {'dashboard start, ready to serve':<40} {ready:>8.2f}s {1:>5}")
        names = {
            "cold": "first paint, first visitor",
            "warm": "first paint, later visitor",
            "chart": "ROI chart drawn",
            "filter": "filter round trip (production model)",
            "publish": "earlier publish, first pick",
        }
        for key, name in names.items():
            runs = figures[key]
            print(f"  {name:<40} {statistics.median(runs):>8.2f}s {len(runs):>5}   {bare:.2f}s")
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
