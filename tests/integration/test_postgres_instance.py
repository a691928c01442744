"""The Dagster instance on the real PostgreSQL server (127.0.0.1:5432) when BACKLOT_DAGSTER_POSTGRES_URL names it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest

from pipelines import instance
from pipelines.lib import query
from pipelines.run import run_once
from pipelines.settings import load_settings
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

pytestmark = pytest.mark.postgres

SERVER = "host=127.0.0.1 port=5432 user=postgres"


@pytest.fixture
def postgres_instance(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(f"{SERVER} dbname=postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server answers on 127.0.0.1:5432 ({error})")
    database = f"backlot_dagster_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE DATABASE {database}")
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    monkeypatch.setenv("BACKLOT_DAGSTER_POSTGRES_URL", url)
    try:
        yield database
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()


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
