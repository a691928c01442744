"""Browser tests: the dashboard served for real, driven by Playwright in Debian's chromium.

One home is built for the module: the demo's sample data published once, then a catalog
correction published again, so there are two publishes to travel between. Screenshots go
to test-artifacts/dashboard/ (look at them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page

from pipelines.settings import REPO_ROOT
from tests.net import free_port, wait_for

CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright cannot download its own browsers here
ARTIFACTS = REPO_ROOT / "test-artifacts" / "dashboard"
# The correction of the second publish: Level Zero's budget doubles, so its ROI halves.
BUDGET_CORRECTION = (
    "film_id,title,release_date,production_budget_usd,production_model,distributor\n"
    'level-zero-2026,Level Zero,2026-07-10,"$9,000,000",indie_digital,Indie Collective\n'
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, object]) -> dict[str, object]:
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}


@pytest.fixture(scope="module")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with two publishes: `backlot demo`, then Level Zero's budget corrected and `backlot run`.

    Built with the commands, in child processes, as a user would (and away from the event
    loop Playwright runs in this process).
    """
    home = tmp_path_factory.mktemp("dashboard") / "home"
    env = {**os.environ, "BACKLOT_HOME": str(home)}
    for name in ("BACKLOT_CATALOG", "BACKLOT_DATA_PATH", "BACKLOT_DASHBOARD_TOKEN"):
        env.pop(name, None)
    correction = home.parent / "budget-correction.csv"
    correction.write_text(BUDGET_CORRECTION)
    for command in (["demo"], ["ingest", "films", str(correction)], ["run"]):
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", *command], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return home


def start_dashboard(home: Path, *args: str, token: str | None = None) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**os.environ, "BACKLOT_HOME": str(home)}
    env.pop("BACKLOT_DASHBOARD_TOKEN", None)
    if token is not None:
        env["BACKLOT_DASHBOARD_TOKEN"] = token
    command = [sys.executable, "-m", "pipelines.cli", "dashboard", "--port", str(port), *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, port


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def dashboard(published_home: Path) -> Iterator[str]:
    """`backlot dashboard` on a free loopback port; its address."""
    process, port = start_dashboard(published_home)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, 60)
        yield url
    finally:
        stop(process)


@pytest.fixture
def local_page(page: Page) -> Iterator[Page]:
    """A page that fails the test if it requests anything from outside localhost."""
    outside: list[str] = []

    def check(url: str) -> None:
        address = urlparse(url)
        if address.scheme not in ("data", "blob", "about") and address.hostname != "127.0.0.1":
            outside.append(url)

    page.on("request", lambda request: check(request.url))
    yield page
    assert outside == [], f"requests left localhost: {outside}"


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
