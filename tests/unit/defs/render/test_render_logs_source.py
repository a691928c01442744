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


def test_5x_frames_with_only_saved_lines_load_numbered_from_their_files(lake: Lake) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(CAPTURES.glob("backrooms__sh050__*.log"))]
    report = lake.load(RENDER_LOGS, *files)
    assert report.committed
    assert report.rows_quarantined == 0
    rows = lake.rows(
        "SELECT job_id, frame, status, render_seconds, output_path, _row_number FROM raw.render_logs "
        "WHERE job_id IN ('job-0501', 'job-0503') ORDER BY job_id, frame"
    )
    # Real Blender 5.0.1 logs at the default level: one `Saved:` line per frame and nothing else.
    assert [(r["job_id"], r["frame"], r["status"], r["render_seconds"], r["_row_number"]) for r in rows] == [
        ("job-0501", 1, "rendered", 0.141, 2),
        ("job-0501", 2, "rendered", 0.053, 3),
        ("job-0501", 3, "rendered", 0.064, 4),
        ("job-0503", 1, "rendered", 0.129, 2),
        ("job-0503", 2, "rendered", 0.043, 3),
        ("job-0503", 3, "failed", 0.062, 5),
    ]
    assert rows[0]["output_path"] == "/tmp/renders/sh050/b50_0001.png"
    assert rows[5]["output_path"] is None
    assert lake.scalar("SELECT count(*) FROM raw.render_logs") == 20  # every frame of the eight sh050 logs
