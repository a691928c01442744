"""The DuckLake catalog on the real PostgreSQL server (127.0.0.1:5432), end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.lib import query
from pipelines.run import run_once
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

pytestmark = pytest.mark.postgres


def test_pipeline_on_a_postgres_catalog(
    postgres_catalog: str, home: Path, land: Callable[[str, str, str], Path]
) -> None:
    land("films", "films.csv", FILMS_CSV)
    land("box_office_daily", "daily.csv", DAILY_CSV)
    outcome = run_once()
    assert outcome.published, outcome.render()
    _columns, rows = query.run_sql("SELECT film_id, opening_weekend_gross_usd FROM film_capital_efficiency ORDER BY 1")
    assert rows == [("level-zero-2026", 21_000_000.0), ("starfall-legacy-2026", None)]
    # The catalog really is in PostgreSQL and nothing went to a SQLite file.
    assert not (home / "lake" / "catalog.sqlite").exists()
    assert any((home / "lake" / "data").rglob("*.parquet")) or rows
