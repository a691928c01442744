"""Lake upkeep on the PostgreSQL catalog (the server on 127.0.0.1:5432): the same promises as on SQLite."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines import lakehouse
from pipelines.lib import maintenance, publish, query
from pipelines.settings import load_settings

pytestmark = pytest.mark.postgres

LEAGUE = "SELECT film_id, roi FROM league ORDER BY film_id"


def test_maintenance_on_a_postgres_catalog(postgres_catalog: str, home: Path) -> None:
    settings = load_settings()
    con = lakehouse.connect(settings)
    try:

        def publish_build(factor: float, run: str) -> int:
            con.execute("CREATE OR REPLACE TABLE audit.league (film_id VARCHAR, roi DOUBLE)")
            for part in range(3):
                con.execute(
                    "INSERT INTO audit.league SELECT printf('film-%03d', i), i * ? FROM range(?, ?) t(i)",
                    [factor, part * 25, (part + 1) * 25],
                )
            return publish.publish(con, ["league"], run).publish_id

        first = publish_build(1.0, "run-1")
        time.sleep(0.05)
        boundary = datetime.now(UTC)
        time.sleep(0.05)
        con.execute("CREATE TABLE raw.ticks (i BIGINT)")
        for k in range(10):
            con.execute("INSERT INTO raw.ticks SELECT i FROM range(?, ?) t(i)", [k * 25, (k + 1) * 25])
        second = publish_build(2.0, "run-2")
        before = query.run_sql(LEAGUE, as_of=second)

        report = maintenance.maintain(con, settings, now=boundary + timedelta(days=settings.snapshot_retention_days))

        assert report.files_merged >= 10
        assert report.catalog_after.files < report.catalog_before.files
        assert report.disk_after is not None
        assert report.disk_after.files == report.catalog_after.files
        assert report.publishes_expired == (first,)
        assert report.readable_publishes == (second,)
        assert query.run_sql(LEAGUE, as_of=second) == before
        assert query.run_sql(LEAGUE) == before
        assert con.execute("SELECT count(*), sum(i) FROM raw.ticks").fetchone() == (250, sum(range(250)))
        with pytest.raises(query.QueryError, match="publish 1 is no longer readable"):
            query.run_sql(LEAGUE, as_of=first)
    finally:
        con.close()
    assert not (home / "lake" / "catalog.sqlite").exists()
