"""Farm-manager events (JSON Lines): duplicates, out-of-order files, retries, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.defs.render.sources import RENDER_EVENTS
from tests.unit.conftest import Lake

# Copied from shared/fixtures so the suite needs nothing outside the repo.
FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "render" / "farm_events_example.jsonl"


def _event(event_id: str, event_type: str, ts: str, **fields: object) -> str:
    base = {
        "event_id": event_id,
        "event_type": event_type,
        "ts": ts,
        "job_id": "j1",
        "film_id": "level-zero-2026",
        "shot": "sh010",
    }
    return json.dumps(base | fields)


def test_the_real_fixture_loads_every_event(lake: Lake) -> None:
    report = lake.load(RENDER_EVENTS, ("events.jsonl", FIXTURE.read_bytes()))
    assert (report.rows_loaded, report.rows_quarantined) == (5, 0)
    failed = lake.rows("SELECT frame, render_seconds, error FROM raw.render_events WHERE event_type = 'frame_failed'")
    assert failed == [
        {
            "frame": 102,
            "render_seconds": 38.2,
            "error": "Out of memory in CUDA queue enqueue (integrator_shade_surface)",
        }
    ]


def test_a_resent_event_is_loaded_once_within_and_across_files(lake: Lake) -> None:
    first = _event("e1", "frame_started", "2026-06-02T08:00:05Z", frame=1, worker="w1")
    lake.load(RENDER_EVENTS, ("a.jsonl", first + "\n" + first + "\n"))
    # A later file, arriving out of order, resends e1 and adds an earlier-stamped event.
    earlier = _event("e0", "job_submitted", "2026-06-02T07:59:00Z")
    report = lake.load(RENDER_EVENTS, ("b.jsonl", earlier + "\n" + first + "\n"))
    assert lake.scalar("SELECT count(*) FROM raw.render_events") == 2
    reasons = [r["_reason"] for r in lake.rows("SELECT _reason FROM quarantine.render_events ORDER BY _file_name")]
    assert reasons == [
        "duplicate of a.jsonl line 1 (same event_id)",
        "duplicate event_id 'e1': already loaded from an earlier file",
    ]
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)


def test_a_retried_frame_keeps_both_attempts(lake: Lake) -> None:
    lines = [
        _event("e1", "frame_failed", "2026-06-02T08:01:00Z", frame=7, worker="w1", render_seconds=40, error="OOM"),
        _event("e2", "frame_finished", "2026-06-02T08:03:00Z", frame=7, worker="w2", render_seconds=95.5),
    ]
    lake.load(RENDER_EVENTS, ("retry.jsonl", "\n".join(lines)))
    rows = lake.rows("SELECT event_type, render_seconds FROM raw.render_events ORDER BY ts")
    assert rows == [
        {"event_type": "frame_failed", "render_seconds": 40.0},
        {"event_type": "frame_finished", "render_seconds": 95.5},
    ]


def test_every_quarantine_reason_names_the_line(lake: Lake) -> None:
    lines = [
        _event("e1", "frame_exploded", "2026-06-02T08:00:00Z"),
        _event("e2", "frame_started", "yesterday", frame=1, worker="w1"),
        _event("e3", "frame_finished", "2026-06-02T08:00:00Z", worker="w1", render_seconds=3),
        _event("e4", "frame_finished", "2026-06-02T08:00:00Z", frame=2, worker="w1"),
        json.dumps({"event_type": "job_finished", "ts": "2026-06-02T08:00:00Z", "job_id": "j1", "film_id": "f"}),
        '{"event_id": "e6", "event_type": "job_fin',
        _event("e7", "job_finished", "2026-06-02T09:00:00Z"),
    ]
    report = lake.load(RENDER_EVENTS, ("bad.jsonl", "\n".join(lines) + "\n"))
    reasons = {
        r["_row_number"]: r["_reason"] for r in lake.rows("SELECT _row_number, _reason FROM quarantine.render_events")
    }
    assert reasons == {
        1: "event_type frame_exploded is not one of: job_submitted, frame_started, frame_finished, frame_failed, "
        "job_finished",
        2: "ts 'yesterday' is not an ISO 8601 timestamp",
        3: "frame_finished event without a frame number",
        4: "frame_finished event without render_seconds",
        5: "event_id is missing",
        6: "the record is not valid JSON",
    }
    assert (report.rows_loaded, report.rows_quarantined) == (1, 6)
