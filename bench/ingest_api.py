"""The ingest API: requests per second and latency for 1 KB, 100 KB and 1 MB bodies, beside a bare durable write.

Run by `make bench` (not by the tests): `python bench/ingest_api.py [--quick]`.

A `backlot api` process on a free loopback port and a fresh BACKLOT_HOME; this process is
the load generator (`http.client`, one connection per worker, the home's lake created first
so each delivery's duplicate lookup reads it, every body different so each
is landed, none a duplicate). For each body size it sends a fixed number of requests, one
worker at a time and then four at once, and prints requests per second, MB/s and the
median and 95th-percentile latency. Beside them, "bare": the same bodies written the way any
durable landing must (temp file, write, fsync, rename, fsync of the folder) with no HTTP,
no token, no hash and no duplicate lookup: the floor for a durable delivery on this disk.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import REPO, free_port, wait_for_http

TOKEN = "bench-token"
SIZES = {"1 KB": 1 << 10, "100 KB": 100 << 10, "1 MB": 1 << 20}


def _body(size: int, n: int) -> bytes:
    """A JSON Lines body of about `size` bytes, different for every `n`."""
    line = (
        '{"event_id": "e%d-%d", "event_type": "frame_finished", "ts": "2026-07-01T10:00:00Z", "job_id": "j", '
        '"frame": %d, "worker": "w", "render_seconds": 30}\n'
    )
    parts, total, i = [], 0, 0
    while total < size:
        text = line % (n, i, i)
        parts.append(text)
        total += len(text)
        i += 1
    return "".join(parts).encode()


def _post(connection: http.client.HTTPConnection, body: bytes, n: int) -> float:
    started = time.perf_counter()
    connection.request(
        "POST",
        "/v1/landing/render_events",
        body=body,
        headers={"Authorization": f"Bearer {TOKEN}", "X-Backlot-Filename": f"events-{n}.jsonl"},
    )
    response = connection.getresponse()
    response.read()
    if response.status != 202:
        raise RuntimeError(f"request {n}: {response.status}")
    return time.perf_counter() - started


def _api_run(port: int, bodies: list[bytes], workers: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(enumerate(bodies))

    def work() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                n, body = queue.pop()
            seconds = _post(connection, body, n)
            with lock:
                latencies.append(seconds)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def _bare_run(folder: Path, bodies: list[bytes]) -> tuple[float, list[float]]:
    latencies = []
    started = time.perf_counter()
    for n, body in enumerate(bodies):
        one = time.perf_counter()
        temp = folder / f".bare-{n}.tmp"
        with temp.open("wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temp, folder / f"bare-{n}.jsonl")
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        latencies.append(time.perf_counter() - one)
    return time.perf_counter() - started, latencies


def _line(label: str, seconds: float, latencies: list[float], size: int) -> str:
    count = len(latencies)
    p95 = sorted(latencies)[max(0, int(0.95 * count) - 1)]
    return (
        f"  {label:<22} {count / seconds:8.1f} req/s {count * size / seconds / 1e6:8.1f} MB/s   "
        f"median {statistics.median(latencies) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests per size")
    args = parser.parse_args()
    counts = {"1 KB": 100, "100 KB": 50, "1 MB": 20} if args.quick else {"1 KB": 400, "100 KB": 200, "1 MB": 60}
    with tempfile.TemporaryDirectory(prefix="backlot-bench-api-") as workdir:
        home, port = Path(workdir) / "home", free_port()
        env = {**os.environ, "BACKLOT_HOME": str(home), "BACKLOT_INGEST_TOKEN": TOKEN}
        # A home with a lake, as in production: each delivery looks its content up in meta.loads.
        create_lake = "from pipelines import lakehouse; lakehouse.connect()"
        subprocess.run([sys.executable, "-c", create_lake], env=env, cwd=REPO, check=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "api", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz", 60)
            print(f"ingest API benchmark: POST /v1/landing/render_events, {os.cpu_count()} CPUs, loopback")
            bare_dir = Path(workdir) / "bare"
            bare_dir.mkdir()
            offset = 0
            for label, size in SIZES.items():
                count = counts[label]
                print(f"{label} bodies, {count} requests each way:")
                seconds, latencies = _bare_run(bare_dir, [_body(size, -n - 1) for n in range(count)])
                print(_line("bare durable write", seconds, latencies, size))
                for workers in (1, 4):
                    bodies = [_body(size, offset + n) for n in range(count)]
                    offset += count
                    seconds, latencies = _api_run(port, bodies, workers)
                    print(_line(f"API, {workers} worker{'s' if workers > 1 else ''}", seconds, latencies, size))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
