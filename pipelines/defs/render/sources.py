"""The render-farm landing sources (CONTRACTS.md §4); so far the farm manager's events."""

from __future__ import annotations

from pipelines.lib.loading import Column, RowRule, SourceSpec

_FRAME_EVENTS = "('frame_started', 'frame_finished', 'frame_failed')"

RENDER_EVENTS = SourceSpec(
    name="render_events",
    formats=("jsonl",),
    columns=(
        Column("event_id", required=True),
        Column("event_type", required=True),
        Column("ts", "timestamp", required=True),
        Column("job_id", required=True),
        Column("film_id"),
        Column("shot"),
        Column("frame", "integer"),
        Column("worker"),
        Column("gpu_model"),
        Column("render_seconds", "number"),
        Column("samples", "integer"),
        Column("resolution_x", "integer"),
        Column("resolution_y", "integer"),
        Column("peak_memory_mb", "number"),
        Column("error"),
        Column("usd_per_hour", "number"),
    ),
    rules=(
        # Events arrive in several files and may be resent: an event_id is loaded once.
        RowRule(
            "event_id IN (SELECT event_id FROM lake.raw.render_events)",
            "'duplicate event_id ''' || event_id || ''': already loaded from an earlier file'",
        ),
        RowRule(
            f"event_type IN {_FRAME_EVENTS} AND frame IS NULL",
            "event_type || ' event without a frame number'",
        ),
        RowRule(
            "event_type IN ('frame_finished', 'frame_failed') AND render_seconds IS NULL",
            "event_type || ' event without render_seconds'",
        ),
        RowRule(
            f"event_type IN {_FRAME_EVENTS} AND worker IS NULL",
            "event_type || ' event without a worker'",
        ),
    ),
)

SOURCES = (RENDER_EVENTS,)
