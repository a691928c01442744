"""A full disk and a read-only home: a clear error, nothing half-written that passes for good, and recovery.

The home is a small tmpfs (mounting one needs root, as on the CI machines; elsewhere these
tests are skipped with that reason). Every pass runs as `backlot run` does, in a process of
its own.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.lib.landing import deliver
from pipelines.settings import REPO_ROOT, lake_settings
from tests.faults.crash import env
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

LATE = (
    "date,title,gross_usd,theaters,is_estimate,reported_at\n"
    '2026-07-14,Level Zero,"$500,000",900,false,2026-07-15T10:00:00Z\n'
)


@pytest.fixture
def small_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(home)], check=False, capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for the home (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield home
    finally:
        subprocess.run(["umount", "-l", str(home)], check=True)


def _backlot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        check=False,
        env=env(home),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def _published(home: Path) -> tuple[str, str]:
    """The last publish id and the Level Zero rows analysts see."""
    last = _backlot(home, "sql", "--format", "csv", "SELECT max(publish_id) FROM meta.publishes")
    rows = _backlot(
        home, "sql", "--format", "csv", "SELECT date, gross_usd FROM box_office_daily WHERE film_id = 'level-zero-2026'"
    )
    assert last.returncode == 0, last.stderr
    assert rows.returncode == 0, rows.stderr
    return last.stdout, rows.stdout


def test_a_full_disk_fails_the_pass_clearly_and_the_next_one_completes(small_home: Path) -> None:
    settings = lake_settings(small_home)
    deliver(settings.landing("films"), "films.csv", FILMS_CSV.encode())
    deliver(settings.landing("box_office_daily"), "daily.csv", DAILY_CSV.encode())
    assert _backlot(small_home, "run").returncode == 0
    before = _published(small_home)

    deliver(settings.landing("box_office_daily"), "late.csv", LATE.encode())
    filler = small_home / "filler"
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={filler}", "bs=1M", "count=200"], check=False, capture_output=True
    )  # to the brim
    full = _backlot(small_home, "run")
    assert full.returncode != 0
    assert "No space left on device" in full.stdout + full.stderr
    assert "Traceback" not in full.stderr

    filler.unlink()
    assert _published(small_home) == before  # nothing half-published
    after = _backlot(small_home, "run")
    assert after.returncode == 0, after.stdout + after.stderr
    last, rows = _published(small_home)
    assert last != before[0]
    assert rows.count("2026-07-14") == 1  # the late report, loaded exactly once
    loads = _backlot(
        small_home,
        "sql",
        "--format",
        "csv",
        "SELECT status, count(*) FROM meta.loads WHERE file_name = 'late.csv' GROUP BY ALL",
    )
    assert loads.stdout.splitlines()[1:] == ["loaded,1"]


def test_a_read_only_home_refuses_a_pass_clearly_and_keeps_serving_reads(small_home: Path) -> None:
    settings = lake_settings(small_home)
    deliver(settings.landing("films"), "films.csv", FILMS_CSV.encode())
    deliver(settings.landing("box_office_daily"), "daily.csv", DAILY_CSV.encode())
    assert _backlot(small_home, "run").returncode == 0
    before = _published(small_home)
    deliver(settings.landing("box_office_daily"), "late.csv", LATE.encode())

    subprocess.run(["mount", "-o", "remount,ro", str(small_home)], check=True)
    try:
        refused = _backlot(small_home, "run")
        assert refused.returncode != 0
        assert "Read-only file system" in refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
        assert _published(small_home) == before  # analysts still read what was published
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_home)], check=True)

    assert _backlot(small_home, "run").returncode == 0
    assert _published(small_home)[1].count("2026-07-14") == 1
