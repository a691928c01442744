"""The demo's render-farm week: deterministic, and every file loads without a quarantined row."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib import loading
from pipelines.sample_data.render import seed_render
from pipelines.sources import SOURCES
from tests.unit.conftest import Lake


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = seed_render(tmp_path / "a")
    second = seed_render(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_the_week_loads_with_only_the_resent_events_quarantined(lake: Lake) -> None:
    seed_render(lake.settings.landing_dir)
    reports = {
        name: loading.load_pending(lake.con, SOURCES[name], lake.settings.landing(name))
        for name in ("render_events", "render_logs", "gpu_metrics")
    }
    assert all(r.committed for r in reports.values())
    assert reports["render_logs"].rows_loaded == 6
    assert reports["gpu_metrics"].rows_quarantined == 0
    reasons = lake.rows(
        "SELECT DISTINCT regexp_replace(_reason, 'line [0-9]+', 'line N') AS r FROM quarantine.render_events"
    )
    assert reasons == [{"r": "duplicate of farm_events_part1.jsonl line N (same event_id)"}]
    failed = lake.scalar("SELECT count(*) FROM raw.render_events WHERE event_type = 'frame_failed'")
    assert failed > 0
