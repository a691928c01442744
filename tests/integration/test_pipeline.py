"""The whole pipeline, as `backlot run` does it: Dagster, DuckLake, dbt and GX for real."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from pipelines import cli
from pipelines.lib import query
from pipelines.run import run_once
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

Land = Callable[[str, str, str], Path]

# Level Zero's frame 1 fails before midnight (UTC) and renders on another node over it,
# both at the rate card's RTX 4090 price ($0.69/hour); frame 2 ends on 2 March by the UTC
# clock although its timestamp says 09:00+02:00, at the event's own price. Starfall
# Legacy's frame is priced by the rate card's H100 ($2.99/hour).
LZ = {"job_id": "lz-1", "film_id": "level-zero-2026", "shot": "sh010", "gpu_model": "NVIDIA GeForce RTX 4090"}
SF = {"job_id": "sf-1", "film_id": "starfall-legacy-2026", "shot": "sh010", "gpu_model": "NVIDIA H100 80GB HBM3"}
UHD, SCOPE = {"resolution_x": 3840, "resolution_y": 2160}, {"resolution_x": 4096, "resolution_y": 1716}
RENDER_EVENTS = "".join(
    json.dumps(event) + "\n"
    for event in [
        {"event_id": "e1", "event_type": "frame_started", "ts": "2026-03-01T22:00:00Z", **LZ, "frame": 1,
         "worker": "n1"},
        {"event_id": "e2", "event_type": "frame_failed", "ts": "2026-03-01T22:30:00Z", **LZ, "frame": 1,
         "worker": "n1", "render_seconds": 1800, "error": "Out of memory"},
        {"event_id": "e3", "event_type": "frame_started", "ts": "2026-03-01T23:00:00Z", **LZ, "frame": 1,
         "worker": "n2"},
        {"event_id": "e4", "event_type": "frame_finished", "ts": "2026-03-02T00:30:00Z", **LZ, "frame": 1,
         "worker": "n2", "render_seconds": 5400, **UHD},
        {"event_id": "e5", "event_type": "frame_finished", "ts": "2026-03-02T09:00:00+02:00", **LZ, "frame": 2,
         "worker": "n1", "render_seconds": 3600, "usd_per_hour": 1.0, **UHD},
        {"event_id": "e6", "event_type": "frame_finished", "ts": "2026-03-01T12:00:00Z", **SF, "frame": 1,
         "worker": "h1", "render_seconds": 7200, **SCOPE},
    ]
)  # fmt: skip


def _mart(sql: str) -> list[dict[str, object]]:
    columns, rows = query.run_sql(sql)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_definitions_load() -> None:
    from pipelines.definitions import defs
    from pipelines.defs.jobs import PIPELINE_JOB

    job = defs.resolve_job_def(PIPELINE_JOB)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "raw/films",
        "raw/box_office_daily",
        "audit/film_capital_efficiency",
        "marts/film_capital_efficiency",
    } <= keys
    assert job.name == PIPELINE_JOB


def test_run_publishes_hand_checked_marts_and_a_failed_audit_keeps_them(
    home: Path, land: Land, capsys: pytest.CaptureFixture[str]
) -> None:
    land("films", "films.csv", FILMS_CSV)
    land("box_office_daily", "daily.csv", DAILY_CSV)
    land("render_events", "events.jsonl", RENDER_EVENTS)

    assert cli.main(["run"]) == 0
    printed = capsys.readouterr().out
    assert "publish 1" in printed
    assert "Nonexistent Film" in printed  # the quarantined row is reported, and does not block

    level_zero, starfall = _mart("SELECT * FROM film_capital_efficiency ORDER BY film_id")
    # The Sunday actual ($6.0M) supersedes the estimate ($5.9M); opening weekend = Fri-Sun.
    assert level_zero["opening_weekend_gross_usd"] == 21_000_000
    assert level_zero["domestic_gross_usd"] == 22_000_000
    assert level_zero["worldwide_gross_usd"] == 22_000_000  # unknown worldwide falls back to domestic
    assert level_zero["roi_multiple"] == pytest.approx(22 / 4.5)
    assert level_zero["legs_multiple"] == pytest.approx(22 / 21)
    assert level_zero["is_break_even"] is True
    assert level_zero["days_in_release"] == 4
    assert level_zero["has_estimates"] is False
    assert starfall["opening_weekend_gross_usd"] is None  # Sunday never reported
    assert starfall["legs_multiple"] is None
    assert starfall["worldwide_gross_usd"] == 50_000_000  # the catalog's lifetime figure is larger
    assert starfall["is_break_even"] is False

    daily = _mart("SELECT * FROM box_office_daily WHERE film_id = 'level-zero-2026' ORDER BY date")
    assert [d["cumulative_gross_usd"] for d in daily] == [8e6, 15e6, 21e6, 22e6]
    assert [d["per_theater_avg_usd"] for d in daily] == [4000, 3500, 3000, None]
    assert [d["day_in_release"] for d in daily] == [1, 2, 3, 4]

    comparison = {row["production_model"]: row for row in _mart("SELECT * FROM production_model_comparison")}
    assert comparison["indie_digital"]["break_even_share"] == 1.0
    assert comparison["legacy_studio"]["total_worldwide_gross_usd"] == 50_000_000

    lz_day_1, lz_day_2 = 1800 / 3600 * 0.69, 5400 / 3600 * 0.69 + 1.0
    sf_day_1 = 7200 / 3600 * 2.99
    uhd, scope = 3840 * 2160 / 1e6, 4096 * 1716 / 1e6
    assert _mart("SELECT * FROM render_daily ORDER BY film_id, date") == [
        {
            "film_id": "level-zero-2026", "date": date(2026, 3, 1), "frames_rendered": 0, "frames_failed": 1,
            "render_hours": 0.5, "render_cost_usd": pytest.approx(lz_day_1),
            "cumulative_render_cost_usd": pytest.approx(lz_day_1), "megapixels_rendered": None,
            "cost_per_frame_usd": None, "production_budget_usd": 4_500_000,
            "cumulative_cost_share_of_budget": pytest.approx(lz_day_1 / 4.5e6),
        },
        {
            "film_id": "level-zero-2026", "date": date(2026, 3, 2), "frames_rendered": 2, "frames_failed": 0,
            "render_hours": 2.5, "render_cost_usd": pytest.approx(lz_day_2),
            "cumulative_render_cost_usd": pytest.approx(lz_day_1 + lz_day_2),
            "megapixels_rendered": pytest.approx(2 * uhd), "cost_per_frame_usd": pytest.approx(lz_day_2 / 2),
            "production_budget_usd": 4_500_000,
            "cumulative_cost_share_of_budget": pytest.approx((lz_day_1 + lz_day_2) / 4.5e6),
        },
        {
            "film_id": "starfall-legacy-2026", "date": date(2026, 3, 1), "frames_rendered": 1, "frames_failed": 0,
            "render_hours": 2.0, "render_cost_usd": pytest.approx(sf_day_1),
            "cumulative_render_cost_usd": pytest.approx(sf_day_1), "megapixels_rendered": pytest.approx(scope),
            "cost_per_frame_usd": pytest.approx(sf_day_1), "production_budget_usd": 210_000_000,
            "cumulative_cost_share_of_budget": pytest.approx(sf_day_1 / 210e6),
        },
    ]  # fmt: skip
    # The render spend of the last day is the film's whole spend (no Blender logs here).
    assert _mart("SELECT film_id, render_cost_usd FROM production_efficiency WHERE render_cost_usd > 0 ORDER BY 1") == [
        {"film_id": "level-zero-2026", "render_cost_usd": pytest.approx(lz_day_1 + lz_day_2)},
        {"film_id": "starfall-legacy-2026", "render_cost_usd": pytest.approx(sf_day_1)},
    ]

    # A corrected catalog moves Level Zero's release after all its grosses: the audit
    # (days_in_release must be >= 1) fails, and analysts keep seeing publish 1.
    land(
        "films",
        "films_fix.csv",
        FILMS_CSV.replace("level-zero-2026,Level Zero,2026-07-10", "level-zero-2026,Level Zero,2026-09-10"),
    )
    assert cli.main(["run"]) == 1
    printed = capsys.readouterr().out
    assert "NOT published" in printed
    assert "FAILED" in printed
    assert _mart(
        "SELECT release_date::VARCHAR AS d FROM film_capital_efficiency WHERE film_id = 'level-zero-2026'"
    ) == [{"d": "2026-07-10"}]
    assert _mart("SELECT count(*) AS n FROM meta.publishes") == [{"n": 1}]
    assert cli.main(["status"]) == 0
    assert "failing checks: none" not in capsys.readouterr().out

    # Both runs are in the home's Dagster instance, the one `make dev` opens: the failed
    # check that stopped the publish is there for an operator to see in the UI.
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        blocked, published = instance.get_runs()  # newest first
        assert (blocked.status, published.status) == (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.SUCCESS)
        failed = [
            event.asset_check_evaluation_data
            for event in (
                record.get_dagster_event()
                for record in instance.all_logs(blocked.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
            )
            if not event.asset_check_evaluation_data.passed
        ]
        assert failed, "the blocked run recorded no failed check"


def test_second_run_with_nothing_new_loads_nothing(home: Path, land: Land) -> None:
    land("films", "films.csv", FILMS_CSV)
    first = run_once()
    assert first.published
    land("films", "films_again.csv", FILMS_CSV)  # same bytes, new name
    second = run_once()
    # Nothing new: no model is rebuilt and nothing is published; the marts are current.
    assert second.current
    assert not second.published
    assert "the published marts are current" in second.render()
    assert [(load.file_name, load.status) for load in second.loads] == [("films_again.csv", "duplicate")]
    assert _mart("SELECT count(*) AS n FROM lake.raw.films") == [{"n": 2}]
    assert _mart("SELECT max(publish_id) AS n FROM meta.publishes") == [{"n": 1}]
    assert _mart("SELECT count(*) AS n FROM meta.builds") == [{"n": 1}]
    # Time travel: publish 1 is still queryable as it was.
    _columns, rows = query.run_sql("SELECT count(*) FROM film_capital_efficiency", as_of=1)
    assert rows == [(2,)]
