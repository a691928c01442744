"""The whole pipeline, as `backlot run` does it: Dagster, DuckLake, dbt and GX for real."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from pipelines import cli
from pipelines.lib import query
from pipelines.run import run_once
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

Land = Callable[[str, str, str], Path]


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
    assert second.published
    assert [(load.file_name, load.status) for load in second.loads] == [("films_again.csv", "duplicate")]
    assert _mart("SELECT count(*) AS n FROM lake.raw.films") == [{"n": 2}]
    assert _mart("SELECT max(publish_id) AS n FROM meta.publishes") == [{"n": 2}]
    # Time travel: publish 1 is still queryable as it was.
    _columns, rows = query.run_sql("SELECT count(*) FROM film_capital_efficiency", as_of=1)
    assert rows == [(2,)]
