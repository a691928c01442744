"""What the benchmarks share: run one measurement in a fresh process and a fresh BACKLOT_HOME."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(child: str, workdir: Path, *args: str) -> dict[str, object]:
    """Run `child` (Python source) as `python -c child <home> *args`; return the JSON its last line prints.

    A fresh process per figure: no warm caches or imports carried from one figure to the next.
    `peak_rss_mb` is the largest RSS of any measuring child so far (Linux keeps the maximum).
    """
    home = Path(tempfile.mkdtemp(dir=workdir))
    try:
        result = subprocess.run(
            [sys.executable, "-c", child, str(home), *args], capture_output=True, text=True, check=True, cwd=REPO
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return figures


def measure_modes(child: str, workdir: Path, source: str, modes: tuple[str, ...]) -> dict[str, dict[str, object]]:
    """The fastest of two `measure(child, workdir, source, mode)` per mode."""
    return {mode: fastest(child, workdir, source, mode) for mode in modes}


def fastest(child: str, workdir: Path, *args: str, runs: int = 2) -> dict[str, object]:
    """The fastest of `runs` measurements, for Backlot and bare alike.

    A marginal figure is a difference of two runs, and the machine's noise (a bare `read_json`
    of 1M events took 1.06-1.97 s; a 22 s social pass swings by a second) is as large as some
    differences: the fastest run is the one least disturbed.
    """
    measured = [measure(child, workdir, *args) for _ in range(runs)]
    return min(measured, key=lambda figures: float(str(figures["seconds"])))


def free_port() -> int:
    """A free TCP port on loopback."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, timeout: float) -> None:
    """Return once `url` answers; raise if it has not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
