"""Failed runs, one JSON line each in BACKLOT_HOME/logs/failed-runs.jsonl, for `backlot status`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.settings import Settings

FAILED_RUNS = Path("logs") / "failed-runs.jsonl"


def record(settings: Settings, run_id: str, job: str, steps: Sequence[str], checks: Sequence[str]) -> None:
    """Append a failed run: which steps failed and why, which checks did not pass (once per run)."""
    if run_id in {entry["run_id"] for entry in read(settings)}:
        return
    path = settings.home / FAILED_RUNS
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "run_id": run_id,
        "job": job,
        "failed_at": datetime.now(UTC).isoformat(),
        "steps": list(steps),
        "checks": list(checks),
    }
    with path.open("a") as handle:
        handle.write(json.dumps(entry) + "\n")


def read(settings: Settings) -> list[dict[str, Any]]:
    """Every failed run recorded, oldest first."""
    path = settings.home / FAILED_RUNS
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
