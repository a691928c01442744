"""The demo's render farms: deterministic, feature-sized, and every file loads without a quarantined row."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pytest

from pipelines.lib import loading
from pipelines.sample_data.render import seed_render, simulate
from pipelines.sources import SOURCES
from tests.unit.conftest import Lake

SMALL = 0.02  # of every shot's frames: a farm small enough to load in a unit test
# The catalog's budgets (pipelines/sample_data/box_office.py).
BUDGETS = {"level-zero-2026": 4_500_000, "starfall-legacy-2026": 210_000_000, "glasswing-2026": 18_000_000}
H100_USD_PER_HOUR = 2.99  # the rate card's (dbt_project/seeds/gpu_rate_card.csv)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = seed_render(tmp_path / "a", runtime_share=SMALL)
    second = seed_render(tmp_path / "b", runtime_share=SMALL)
    other_seed = seed_render(tmp_path / "c", runtime_share=SMALL, seed=8)

    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other_seed]


def test_the_small_farm_loads_with_only_the_resent_events_quarantined(lake: Lake) -> None:
    written = seed_render(lake.settings.landing_dir, runtime_share=SMALL)
    renders = simulate(runtime_share=SMALL)
    reports = {
        name: loading.load_pending(lake.con, SOURCES[name], lake.settings.landing(name))
        for name in ("render_events", "render_logs", "gpu_metrics")
    }

    assert all(r.committed for r in reports.values())
    attempts = sum(len(render.attempts) for render in renders)
    jobs = sum(len(render.jobs) for render in renders)
    assert reports["render_events"].rows_loaded == 2 * attempts + 2 * jobs  # each event once
    reasons = lake.rows(
        "SELECT DISTINCT regexp_replace(_reason, '[a-z0-9-]+_2026-W[0-9]{2}\\.jsonl line [0-9]+', 'FILE line N', 'g')"
        " AS r FROM quarantine.render_events"
    )
    assert reasons == [{"r": "duplicate of FILE line N (same event_id)"}]
    assert reports["render_logs"].rows_loaded == 6
    assert reports["gpu_metrics"].rows_quarantined == 0
    errors = lake.rows(
        "SELECT DISTINCT split_part(error, ':', 1) AS e FROM raw.render_events WHERE error IS NOT NULL ORDER BY e"
    )
    assert [row["e"] for row in errors] == [
        "CUDA error",
        "Out of memory in CUDA queue enqueue (integrator_shade_surface)",
        "Worker lost",
    ]
    # One nvidia-smi file per node that rendered, one events file per farm and week: the count stays small.
    nodes = {attempt.worker for render in renders for attempt in render.attempts}
    assert sorted(p.stem.split("__")[0] for p in written if p.parent.name == "gpu_metrics") == sorted(nodes)
    moments = {
        render.farm.name: [job.submitted_at for job in render.jobs]
        + [moment for attempt in render.attempts for moment in (attempt.started_at, attempt.ended_at)]
        for render in renders
    }
    weeks = {(farm, time.strftime("%G-W%V", time.gmtime(t))) for farm, times in moments.items() for t in times}
    assert len([p for p in written if p.parent.name == "render_events"]) == len(weeks)


def test_the_full_farm_renders_two_features_the_same_every_time() -> None:
    renders = simulate()

    films: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    frames: dict[str, set[tuple[str, int]]] = defaultdict(set)
    shots: dict[str, set[str]] = defaultdict(set)
    months: dict[str, set[str]] = defaultdict(set)
    for render in renders:
        for attempt in render.attempts:
            film = films[attempt.job.film_id]
            hours = attempt.seconds / 3600
            film["gpu_hours"] += hours
            film["usd"] += hours * (render.farm.usd_per_hour or H100_USD_PER_HOUR)
            film["rendered" if attempt.error is None else "failed"] += 1
            film["failed_hours"] += hours if attempt.error else 0
            frames[attempt.job.film_id].add((attempt.job.shot, attempt.frame))
            shots[attempt.job.film_id].add(attempt.job.shot)
            months[attempt.job.film_id].add(time.strftime("%Y-%m", time.gmtime(attempt.ended_at)))

    level_zero, starfall = films["level-zero-2026"], films["starfall-legacy-2026"]
    # Level Zero's fully-CG takes: 40 minutes of film at 24 fps in 48 shots, a few rendered again after notes.
    assert len(shots["level-zero-2026"]) == 48
    assert len(frames["level-zero-2026"]) == 40 * 60 * 24
    assert 57_600 < level_zero["rendered"] < 1.15 * 57_600
    assert 30_000 < level_zero["gpu_hours"] < 55_000  # half an hour or more per 4K Cycles frame on a 4090
    assert 0.005 < level_zero["usd"] / BUDGETS["level-zero-2026"] < 0.01
    assert months["level-zero-2026"] == {"2026-01", "2026-02", "2026-03", "2026-04"}
    # Starfall Legacy's CG shots: hours per frame on an H100, a fraction of a percent of a studio budget.
    assert len(shots["starfall-legacy-2026"]) == 48
    assert len(frames["starfall-legacy-2026"]) == 20_000
    assert 60_000 < starfall["gpu_hours"] < 120_000
    assert 0.0005 < starfall["usd"] / BUDGETS["starfall-legacy-2026"] < 0.003
    assert starfall["usd"] / starfall["rendered"] > 10 * level_zero["usd"] / level_zero["rendered"]
    assert len(months["starfall-legacy-2026"]) >= 4
    # Retries cost something, but not most of the render.
    for film in (level_zero, starfall):
        assert film["failed"] > 0
        assert 0.005 < film["failed_hours"] / film["gpu_hours"] < 0.05
    assert films["glasswing-2026"]["usd"] / BUDGETS["glasswing-2026"] < 0.0001  # a few effects shots

    assert simulate() == renders


def test_runtime_share_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="runtime_share"):
        simulate(runtime_share=0)
