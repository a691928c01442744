"""Blender logs through the loader: one raw row per frame, identity from the file name."""

from __future__ import annotations

from pathlib import Path

from pipelines.defs.render.sources import RENDER_LOGS
from tests.unit.conftest import Lake

CAPTURES = Path(__file__).resolve().parents[3] / "fixtures" / "blender"


def test_real_captures_load_one_row_per_frame_with_failures(lake: Lake) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(CAPTURES.glob("*.log"))]
    report = lake.load(RENDER_LOGS, *files)
    assert report.committed
    assert report.rows_quarantined == 0
    rows = lake.rows(
        "SELECT job_id, frame, status, engine, render_seconds, _row_number FROM raw.render_logs "
        "WHERE film_id = 'backrooms' AND shot = 'sh020' ORDER BY job_id"
    )
    # Both sh020 jobs started frame 1 and never saved it: a crash, and a denoiser error.
    assert [(r["job_id"], r["frame"], r["status"]) for r in rows] == [
        ("job-0201", 1, "failed"),
        ("job-0202", 1, "failed"),
    ]
    cycles = lake.rows(
        "SELECT frame, render_seconds, worker, blender_version FROM raw.render_logs "
        "WHERE job_id = 'job-0001' ORDER BY frame"
    )
    assert [(r["frame"], r["render_seconds"], r["worker"]) for r in cycles] == [
        (1, 8.53, "render-00"),
        (2, 8.76, "render-00"),
    ]
    assert cycles[0]["blender_version"] == "3.4.1"


def test_a_log_with_a_bad_name_is_rejected_whole(lake: Lake) -> None:
    capture = next(CAPTURES.glob("*job-0001.log")).read_bytes()
    report = lake.load(RENDER_LOGS, ("render.log", capture))
    assert [f.status for f in report.files] == ["rejected"]
    assert lake.scalar("SELECT count(*) FROM raw.render_logs") == 0
    reason = lake.scalar("SELECT _reason FROM quarantine.render_logs")
    assert reason.startswith("whole file rejected: render log name 'render.log' is not <film_id>__<shot>__")
