"""The landing sensors, evaluated as the daemon evaluates them, on a temporary home and instance."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from pipelines.defs import landing_sensors
from pipelines.defs.box_office.sources import FILMS
from pipelines.defs.jobs import PIPELINE_JOB, backlot_pipeline
from pipelines.lib import landing

SENSOR = landing_sensors.landing_sensor(FILMS, backlot_pipeline)


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture(autouse=True)
def _no_cached_hashes() -> Iterator[None]:
    landing_sensors._WAITING.clear()
    yield
    landing_sensors._WAITING.clear()


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    result = SENSOR(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert isinstance(result, dg.SensorResult)
    return result


def _deliver(home: Path, name: str, content: str) -> Path:
    return landing.deliver(home / "landing" / "films", name, content.encode())


def _keys(result: dg.SensorResult) -> list[str]:
    return [request.run_key or "" for request in result.run_requests or []]


def test_a_new_file_asks_for_one_run_and_a_second_tick_for_none(home: Path, instance: Any) -> None:
    _deliver(home, "a.csv", "title\nA\n")

    first = _tick(instance, None)
    second = _tick(instance, first.cursor)

    assert len(_keys(first)) == 1
    assert _keys(first)[0].startswith("films:")
    assert first.run_requests[0].tags["backlot/new-files"] == "1"  # type: ignore[index]
    assert _keys(second) == []
    assert second.skip_reason is not None


def test_every_waiting_file_goes_into_one_run(home: Path, instance: Any) -> None:
    for n in range(1_000):  # a burst: many files in one tick
        _deliver(home, f"f{n:04}.csv", f"title\nFilm {n}\n")

    result = _tick(instance, None)

    assert len(_keys(result)) == 1
    assert result.run_requests[0].tags["backlot/new-files"] == "1000"  # type: ignore[index]
    assert len(json.loads(result.cursor or "[]")) == 1_000


def test_a_file_sent_again_has_the_run_key_of_its_first_run_and_a_corrected_one_a_new_key(
    home: Path, instance: Any
) -> None:
    first_copy = _deliver(home, "catalog.csv", "title\nA\n")
    first = _tick(instance, None)
    first_copy.unlink()  # loaded and archived by that run
    after = _tick(instance, first.cursor)
    _deliver(home, "catalog.csv", "title\nA\n")  # sent again: Dagster skips a run key it has seen
    again = _tick(instance, after.cursor)
    _deliver(home, "catalog_fixed.csv", "title\nA, corrected\n")
    corrected = _tick(instance, again.cursor)

    assert _keys(again) == _keys(first)
    assert _keys(corrected) != _keys(first)
    assert len(_keys(corrected)) == 1


def test_no_run_is_asked_for_while_one_runs_and_the_files_are_asked_for_after(home: Path, instance: Any) -> None:
    _deliver(home, "a.csv", "title\nA\n")
    instance.add_run(DagsterRun(job_name=PIPELINE_JOB, run_id="running", status=dg.DagsterRunStatus.STARTED))

    busy = _tick(instance, None)
    instance.report_run_failed(instance.get_run_by_id("running"))
    free = _tick(instance, busy.cursor)

    assert _keys(busy) == []
    assert "queued or running" in str(busy.skip_reason)
    assert len(_keys(free)) == 1


def test_ten_thousand_waiting_files_are_one_run_request(home: Path, instance: Any) -> None:
    folder = home / "landing" / "films"
    folder.mkdir(parents=True)
    for n in range(10_000):
        (folder / f"f{n:05}.csv").write_bytes(b"title\nFilm %d\n" % n)

    result = _tick(instance, None)

    assert len(_keys(result)) == 1
    assert result.run_requests[0].tags["backlot/new-files"] == "10000"  # type: ignore[index]
