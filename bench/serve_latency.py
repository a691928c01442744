"""From a file's arrival to its published mart under `backlot serve`, as a median over several arrivals.

Run by `make bench` (not by the tests): `python bench/serve_latency.py [--arrivals N]`.

`backlot serve` on a fresh BACKLOT_HOME and free loopback ports. The film catalog is pushed
first and published; then, one at a time, a small daily chart is pushed over the ingest API
and the clock runs until a publish includes it (its file is `loaded` in meta.loads and a
publish came after). Beside it, bare DuckDB: the same chart read into a DuckLake table.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from harness import REPO, free_port, wait_for_http

TOKEN = "bench-token"
FILMS = "film_id,title,release_date,production_budget_usd\nlevel-zero-2026,Level Zero,2026-07-10,4500000\n"
TIMEOUT = 600


def _push(port: int, source: str, name: str, body: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/landing/{source}",
        data=body.encode(),
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "X-Backlot-Filename": name},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return str(json.loads(response.read())["sha256"])


def _published(sha: str) -> bool:
    """Whether a publish came after the file with this hash was loaded."""
    from pipelines import lakehouse
    from pipelines.settings import load_settings

    try:
        con = lakehouse.connect(load_settings(), read_only=True)
    except Exception:  # no lake yet
        return False
    try:
        row = con.execute(
            "SELECT count(*) FROM meta.publishes p JOIN meta.loads l ON p.published_at > l.loaded_at "
            "WHERE l.file_sha256 = ? AND l.status = 'loaded'",
            [sha],
        ).fetchone()
        return bool(row and row[0])
    except Exception:  # the meta tables are being created
        return False
    finally:
        con.close()


def _wait(sha: str) -> float:
    started = time.monotonic()
    while not _published(sha):
        if time.monotonic() - started > TIMEOUT:
            raise TimeoutError(f"{sha[:12]} not published within {TIMEOUT} s")
        time.sleep(0.5)
    return time.monotonic() - started


def _bare(chart: str, workdir: Path) -> float:
    import duckdb

    from pipelines import lakehouse

    path = workdir / "bare.csv"
    path.write_text(chart)
    con = duckdb.connect()
    lakehouse.install_extensions(con)
    con.execute(f"ATTACH 'ducklake:sqlite:{workdir}/bare.sqlite' AS bare (DATA_PATH '{workdir}/bare-data/')")
    started = time.perf_counter()
    con.execute(f"CREATE TABLE bare.chart AS SELECT * FROM read_csv('{path}')")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arrivals", type=int, default=5, help="how many charts to push, one after the other")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="backlot-bench-serve-") as workdir:
        home = Path(workdir) / "home"
        os.environ["BACKLOT_HOME"] = str(home)
        ui_port, api_port = free_port(), free_port()
        env = {**os.environ, "BACKLOT_INGEST_TOKEN": TOKEN}
        command = [sys.executable, "-m", "pipelines.cli", "serve", "--dagster-port", str(ui_port)]
        command += ["--api-port", str(api_port)]
        serve = subprocess.Popen(
            command,
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{api_port}/healthz", 120)
            print(f"arrival -> published mart under backlot serve, {os.cpu_count()} CPUs")
            catalog = _wait(_push(api_port, "films", "films.csv", FILMS))
            print(f"  the film catalog (first file into an empty lake): {catalog:.1f} s")
            latencies = []
            for n in range(args.arrivals):
                day = date(2026, 7, 10) + timedelta(days=n)
                chart = f'date,title,gross_usd,theaters\n{day},Level Zero,"$1,{n:03},000",2000\n'
                latencies.append(_wait(_push(api_port, "box_office_daily", f"daily_{day}.csv", chart)))
                print(f"  chart {n + 1}: {latencies[-1]:.1f} s")
            bare = _bare(chart, Path(workdir))
            print(
                f"median over {len(latencies)} arrivals: {statistics.median(latencies):.1f} s "
                f"(min {min(latencies):.1f}, max {max(latencies):.1f}); bare DuckDB read of one chart {bare:.3f} s"
            )
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(timeout=120)


if __name__ == "__main__":
    main()
