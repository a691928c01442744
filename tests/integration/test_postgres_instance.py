"""The Dagster instance on the real PostgreSQL server (127.0.0.1:5432) when BACKLOT_DAGSTER_POSTGRES_URL names it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from pipelines import instance
from pipelines.lib import query
from pipelines.run import run_once
from pipelines.settings import load_settings
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_instance(postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BACKLOT_DAGSTER_POSTGRES_URL", f"postgresql://postgres@127.0.0.1:5432/{postgres_database}")
    return postgres_database


def test_runs_are_recorded_on_postgres_and_the_url_stays_out_of_the_file(
    postgres_instance: str, home: Path, land: Callable[[str, str, str], Path]
) -> None:
    land("films", "films.csv", FILMS_CSV)
    land("box_office_daily", "daily.csv", DAILY_CSV)

    outcome = run_once()

    assert outcome.published, outcome.render()
    config = (instance.prepare(load_settings()) / "dagster.yaml").read_text()
    assert "postgres_url" in config
    assert postgres_instance not in config  # the URL is read from the environment
    with dg.DagsterInstance.from_config(str(home / "dagster")) as dagster:
        assert type(dagster.run_storage).__name__ == "PostgresRunStorage"
        [record] = dagster.get_run_records()
        assert record.dagster_run.run_id == outcome.run_id
    assert not list((home / "dagster").glob("**/*.db"))  # no SQLite storage beside it
    assert query.run_sql("SELECT count(*) FROM film_capital_efficiency")[1] == [(2,)]
