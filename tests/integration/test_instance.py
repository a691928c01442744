"""The home's Dagster instance, configured from the repository's dagster.yaml, and a run launched as the UI does."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from pipelines import instance, lakehouse
from pipelines.defs.resources import LAKE_WRITERS_POOL
from pipelines.settings import load_settings
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

EVENTS = (
    '{"event_id": "e1", "event_type": "frame_finished", "ts": "2026-07-01T10:00:00Z", "job_id": "j1", '
    '"film_id": "level-zero-2026", "shot": "sh010", "frame": 1, "worker": "w1", "gpu_model": "RTX 4090", '
    '"render_seconds": 30, "resolution_x": 1920, "resolution_y": 1080}\n'
)
LINKS = "platform,object_id,film_id,role\nyoutube,abc,level-zero-2026,trailer\n"


def pipeline_job() -> dg.JobDefinition:
    """The job the UI launches; a function so each step's process can rebuild it (`dg.reconstructable`)."""
    from pipelines.definitions import defs
    from pipelines.defs.jobs import PIPELINE_JOB

    return defs.resolve_job_def(PIPELINE_JOB)


def test_the_instance_config_is_the_repositorys_template(home: Path) -> None:
    dagster_home = instance.prepare(load_settings())
    (dagster_home / "dagster.yaml").write_text("# an older release's config\n")

    instance.prepare(load_settings())

    assert (dagster_home / "dagster.yaml").read_text() == instance.TEMPLATE.read_text()
    with dg.DagsterInstance.from_config(str(dagster_home)) as dagster:
        assert dagster.event_log_storage.get_pool_limits() is not None
        assert dagster.get_concurrency_config().pool_config.default_pool_limit == 1


def test_a_run_launched_as_the_ui_does_writes_the_lake_one_step_at_a_time(
    home: Path, land: Callable[[str, str, str], Path]
) -> None:
    land("films", "films.csv", FILMS_CSV)
    land("box_office_daily", "daily.csv", DAILY_CSV)
    land("render_events", "events.jsonl", EVENTS)
    land("social_links", "links.csv", LINKS)
    dagster_home = instance.prepare(load_settings())

    with dg.DagsterInstance.from_config(str(dagster_home)) as dagster:
        # The UI's default executor: every step in a process of its own, independent steps at once.
        result = dg.execute_job(dg.reconstructable(pipeline_job), instance=dagster)
        assert result.success
        assert dagster.event_log_storage.get_concurrency_info(LAKE_WRITERS_POOL).slot_count == 1
        steps: dict[str, list[float]] = {}
        for entry in dagster.all_logs(result.run_id):
            event = entry.dagster_event
            if event is not None and event.step_key and event.event_type_value in ("STEP_START", "STEP_SUCCESS"):
                steps.setdefault(event.step_key, []).append(entry.timestamp)

    intervals = sorted((start, end) for start, end in steps.values())
    assert len(intervals) >= 6  # four loads, dbt, checks, publish (at least)
    for (_, end), (start, _) in itertools.pairwise(intervals):
        assert start >= end, "two lake writers ran at once"
    con = lakehouse.connect(load_settings(), read_only=True)
    try:
        loaded = con.execute("SELECT count(DISTINCT source), count(*) FROM meta.loads").fetchone()
        published = con.execute("SELECT count(*) FROM meta.publishes").fetchone()
    finally:
        con.close()
    assert loaded == (4, 4)
    assert published == (1,)
