"""BI tools over SQLAlchemy: `duckdb+backlot:///<home>` answers queries, reflects the marts, refuses writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipelines import cli
from pipelines.lib import bi, publish
from pipelines.settings import lake_settings


@pytest.fixture
def published(lake: Any) -> Any:
    lake.con.execute(
        "CREATE TABLE lake.audit.league AS SELECT 'level-zero-2026' AS film_id, 2.5::DOUBLE AS roi, "
        "DATE '2026-07-10' AS release_date, 1.50::DECIMAL(18, 2) AS fee"
    )
    publish.publish(lake.con, ["league"], "run-1")
    lake.con.execute("CREATE OR REPLACE TABLE lake.audit.league AS SELECT 'dune-x' AS film_id, 0.4::DOUBLE AS roi")
    publish.publish(lake.con, ["league"], "run-2")
    return lake


def test_queries_answer_with_the_marts_bare_names_and_by_schema(published: Any) -> None:
    engine = bi.engine()
    with engine.connect() as con:
        assert con.execute(sa.text("SELECT film_id, roi FROM league")).all() == [("dune-x", 0.4)]
        assert con.execute(sa.text("SELECT count(*) FROM marts.league WHERE roi > :least"), {"least": 0}).scalar() == 1
        assert con.execute(sa.text("SELECT max(publish_id) FROM meta.publishes")).scalar() == 2
    with bi.engine(as_of=1).connect() as con:
        assert con.execute(sa.text("SELECT film_id, roi FROM league")).all() == [("level-zero-2026", 2.5)]


def test_inspect_lists_the_marts_and_their_columns(published: Any) -> None:
    inspector = sa.inspect(bi.engine())

    assert "lake.marts" in inspector.get_schema_names()
    assert inspector.get_view_names(schema="marts") == ["league"]
    assert sorted(inspector.get_table_names(schema="meta")) == [
        "builds",
        "loads",
        "publishes",
        "quality_results",
        "schema_version",
    ]
    assert [(c["name"], type(c["type"])) for c in inspector.get_columns("league", schema="marts")] == [
        ("film_id", sa.String),
        ("roi", sa.Double),
    ]
    assert inspector.get_pk_constraint("league", schema="marts")["constrained_columns"] == []
    league = sa.Table("league", sa.MetaData(), autoload_with=bi.engine(), schema="marts")
    with bi.engine().connect() as con:
        assert con.execute(sa.select(league.c.film_id)).scalar() == "dune-x"
    as_of = sa.inspect(bi.engine(as_of=1)).get_columns("league", schema="as_of")
    assert [(c["name"], str(c["type"])) for c in as_of] == [
        ("film_id", "VARCHAR"),
        ("roi", "DOUBLE"),
        ("release_date", "DATE"),
        ("fee", "NUMERIC(18, 2)"),
    ]


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        (
            "INSERT INTO meta.loads (source) VALUES ('sneaky')",
            "refused: this connection is read-only (INSERT changes data)",
        ),
        ("CREATE TABLE marts.sneaky AS SELECT 1", "refused: this connection is read-only (CREATE makes a new object)"),
        (
            "CREATE TABLE memory.main.scratch (a INT)",
            "refused: this connection is read-only (CREATE makes a new object)",
        ),
        ("DROP VIEW marts.league", "refused: this connection is read-only (DROP removes an object)"),
        ("COPY (SELECT 1) TO '{tmp}/out.csv'", "refused: this connection is read-only (COPY writes a file)"),
        ("COPY league TO '{data}escape.parquet'", "refused: this connection is read-only (COPY writes a file)"),
        (
            "SELECT * FROM read_csv('/etc/passwd')",
            "refused: this connection cannot reach files or the network (read_csv reads files)",
        ),
        ("SET enable_external_access = true", "refused: this connection is read-only (SET changes a setting)"),
    ],
)
def test_writes_and_escapes_are_refused_with_their_one_line(
    published: Any, tmp_path: Path, sql: str, refusal: str
) -> None:
    statement = sql.format(tmp=tmp_path, data=published.settings.data_path)
    with pytest.raises(sa.exc.DatabaseError) as error, bi.engine().connect() as con:
        con.execute(sa.text(statement))

    assert str(error.value.orig) == refusal
    assert not (tmp_path / "out.csv").exists()
    assert not list(Path(published.settings.data_path).glob("escape*"))
    assert published.scalar("SELECT count(*) FROM lake.marts.league") == 1


def test_the_url_names_the_home_and_only_what_differs_from_its_defaults(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = lake_settings(home, catalog="postgres:host=db dbname=backlot", data_path="/data/lake")

    assert bi.url(lake_settings(home)) == f"duckdb+backlot:///{home}"
    assert bi.url(elsewhere, as_of=3) == (
        f"duckdb+backlot:///{home}?catalog=postgres%3Ahost%3Ddb%20dbname%3Dbacklot&data_path=%2Fdata%2Flake%2F&as_of=3"
    )
    args, options = bi.BacklotDialect().create_connect_args(sa.make_url(bi.url(elsewhere, as_of=3)))
    assert (args, options) == ((), {"settings": elsewhere, "as_of": 3})
    assert cli.main(["bi-url"]) == 0
    assert capsys.readouterr().out == f"duckdb+backlot:///{home}\n"
    with pytest.raises(sa.exc.ArgumentError, match="unknown URL options"):
        bi.BacklotDialect().create_connect_args(sa.make_url(f"duckdb+backlot:///{home}?read_only=false"))
