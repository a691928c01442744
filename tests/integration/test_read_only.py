"""The read path end to end: `backlot sql` as a process refuses escapes in one line; the PostgreSQL catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy

from pipelines import lakehouse
from pipelines.lib import bi, publish, query, readonly
from pipelines.settings import REPO_ROOT, load_settings
from tests.unit.lib.test_readonly import READ_ONLY, SANDBOXED, escapes


def _publish_league(rows: int = 1) -> None:
    con = lakehouse.connect(load_settings())
    try:
        con.execute(f"CREATE TABLE lake.audit.league AS SELECT 'film-' || range AS film_id FROM range({rows})")
        publish.publish(con, ["league"], "run-1")
    finally:
        con.close()


def _backlot_sql(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sql", *args],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# Each way out the process must refuse (`backlot sql` in a new process costs about a second,
# so the full list runs once, and a few of each kind again with --as-of).
AS_OF_SAMPLE = ("COPY (SELECT 1) TO", "SELECT * FROM read_csv", "ATTACH ':memory:'", "INSTALL", "SET enable", "INSERT")


def test_backlot_sql_in_its_own_process_refuses_each_escape_on_one_line(home: Path, tmp_path: Path) -> None:
    _publish_league()
    data_path = load_settings().data_path
    runs = [(sql, refusal, ()) for sql, refusal in escapes(tmp_path, data_path)]
    runs += [
        (sql, refusal, ("--as-of", "1"))
        for sql, refusal in escapes(tmp_path, data_path)
        if sql.startswith(AS_OF_SAMPLE)
    ]

    answers = {(sql, *as_of): _backlot_sql(sql, *as_of) for sql, _, as_of in runs}

    assert {key: (done.returncode, done.stdout, done.stderr) for key, done in answers.items()} == {
        (sql, *as_of): (1, "", f"backlot sql: {refusal}\n") for sql, refusal, as_of in runs
    }
    assert not (tmp_path / "out.csv").exists()


def test_backlot_sql_errors_stay_on_one_line(home: Path) -> None:
    _publish_league()

    unknown = _backlot_sql("SELECT * FROM no_such_mart")
    syntax = _backlot_sql("SELEC 1")
    answered = _backlot_sql("SELECT count(*) AS films FROM league", "--format", "csv")

    assert (unknown.returncode, unknown.stderr.count("\n")) == (1, 1)
    assert unknown.stderr.startswith("backlot sql: Catalog Error: Table with name no_such_mart does not exist!")
    assert (syntax.returncode, syntax.stderr.count("\n")) == (1, 1)
    assert syntax.stderr.startswith("backlot sql: Parser Error: syntax error")
    assert (answered.returncode, answered.stdout) == (0, "films\n1\n")


@pytest.mark.postgres
@pytest.mark.parametrize("as_of", [None, 1], ids=["latest", "as-of"])
def test_the_sandbox_reads_a_lake_whose_catalog_is_on_postgresql(
    postgres_catalog: str, home: Path, tmp_path: Path, as_of: int | None
) -> None:
    """With the network shut, DuckLake still reaches its catalog: it connected before the lock."""
    _publish_league(rows=50_000)
    data_path = load_settings().data_path
    assert any(Path(data_path).rglob("*.parquet"))  # read from Parquet files, not from rows inlined in the catalog

    assert query.run_sql("SELECT count(*) FROM league", as_of=as_of)[1] == [(50_000,)]
    for sql, refusal in [
        *escapes(tmp_path, data_path)[:6],
        (
            "FROM postgres_execute('__ducklake_metadata_lake', 'DROP TABLE ducklake_snapshot')",
            f"{SANDBOXED} (postgres_execute opens another database)",
        ),
        (
            "FROM postgres_query('__ducklake_metadata_lake', 'SELECT 1')",
            f"{SANDBOXED} (postgres_query opens another database)",
        ),
        ("INSERT INTO meta.loads (source) VALUES ('sneaky')", f"{READ_ONLY} (INSERT changes data)"),
    ]:
        with pytest.raises(readonly.Refused) as refused:
            query.run_sql(sql, as_of=as_of)
        assert str(refused.value) == refusal
    # Many short transactions afterwards: new catalog connections are not external access.
    con = query.open_published(as_of)
    try:
        for _ in range(20):
            assert con.execute("SELECT count(*) FROM league").fetchone() == (50_000,)
    finally:
        con.close()
    assert query.run_sql("SELECT count(*) FROM ducklake_snapshots('lake')")[1][0][0] > 0
    # A BI tool's URL carries the catalog: its process needs no BACKLOT_CATALOG.
    url = bi.url(load_settings(), as_of=as_of)
    assert "catalog=postgres" in url
    with sqlalchemy.create_engine(url).connect() as bi_con:
        assert bi_con.execute(sqlalchemy.text("SELECT count(*) FROM league")).scalar() == 50_000
