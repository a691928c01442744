"""Every read path is read-only and sandboxed: escapes are refused with one line, queries still answer."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import cli
from pipelines.lib import publish, query, readonly

READ_ONLY = "refused: this connection is read-only"
SANDBOXED = "refused: this connection cannot reach files or the network"


@pytest.fixture
def published(lake: Any, tmp_path: Path) -> Any:
    """A lake with one published mart, `league`, and a local file a query must not read."""
    lake.con.execute("CREATE TABLE lake.audit.league AS SELECT 'level-zero-2026' AS film_id, 2.5 AS roi")
    publish.publish(lake.con, ["league"], "run-1")
    (tmp_path / "secret.txt").write_text("not for analysts\n")
    return lake


def escapes(tmp_path: Path, data_path: str) -> list[tuple[str, str]]:
    """(statement, the refusal it gets) for every way out we know of."""
    secret = tmp_path / "secret.txt"
    return [
        (f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'", f"{READ_ONLY} (COPY writes a file)"),
        (f"COPY (SELECT 1) TO '{data_path}escape.csv'", f"{READ_ONLY} (COPY writes a file)"),
        (f"COPY league TO '{data_path}escape.parquet' (FORMAT parquet)", f"{READ_ONLY} (COPY writes a file)"),
        ("SELECT * FROM read_csv('/etc/passwd')", f"{SANDBOXED} (read_csv reads files)"),
        (f"SELECT * FROM read_text('{secret}')", f"{SANDBOXED} (read_text reads files)"),
        (f"SELECT * FROM read_blob('{secret}')", f"{SANDBOXED} (read_blob reads files)"),
        (f"SELECT * FROM '{secret}'", f"{SANDBOXED} ('{secret}' names a file)"),
        ("SELECT * FROM 'https://example.com/g.csv'", f"{SANDBOXED} ('https://example.com/g.csv' names a file)"),
        ("SELECT * FROM read_parquet('https://example.com/x.parquet')", f"{SANDBOXED} (read_parquet reads files)"),
        ("ATTACH ':memory:' AS scratch", f"{READ_ONLY} (ATTACH opens another database)"),
        (f"ATTACH '{tmp_path / 'other.duckdb'}' AS other", f"{READ_ONLY} (ATTACH opens another database)"),
        ("INSTALL httpfs", f"{READ_ONLY} (INSTALL adds an extension)"),
        ("LOAD httpfs", f"{READ_ONLY} (LOAD loads an extension)"),
        ("SET enable_external_access = true", f"{READ_ONLY} (SET changes a setting)"),
        ("RESET lock_configuration", f"{READ_ONLY} (RESET changes a setting)"),
        ("SET lock_configuration = false", f"{READ_ONLY} (SET changes a setting)"),
        ("INSERT INTO meta.loads (source) VALUES ('sneaky')", f"{READ_ONLY} (INSERT changes data)"),
        ("DELETE FROM meta.publishes", f"{READ_ONLY} (DELETE changes data)"),
        ("CREATE TABLE lake.marts.sneaky AS SELECT 1", f"{READ_ONLY} (CREATE makes a new object)"),
        ("DROP VIEW league", f"{READ_ONLY} (DROP removes an object)"),
        ("CREATE TABLE memory.main.scratch AS SELECT 1", f"{READ_ONLY} (CREATE makes a new object)"),
        ("CREATE TEMP TABLE scratch AS SELECT 1", f"{READ_ONLY} (CREATE makes a new object)"),
        (
            "FROM ducklake_cleanup_old_files('lake', cleanup_all => true)",
            f"{READ_ONLY} (ducklake_cleanup_old_files changes the lake)",
        ),
        ("FROM query('SELECT 1')", f"{READ_ONLY} (query runs SQL that cannot be checked)"),
        ("SELECT 1; COPY (SELECT 1) TO 'x.csv'", f"{READ_ONLY} (COPY writes a file)"),
        ("EXPLAIN ANALYZE COPY (SELECT 1) TO 'x.csv'", f"{READ_ONLY} (COPY writes a file)"),
        ("CALL ducklake_expire_snapshots('lake')", f"{READ_ONLY} (CALL runs a procedure, not a query)"),
        (
            "FROM iceberg_scan('s3://bucket/table')",
            f"{SANDBOXED} (that needs the iceberg extension, and this connection loads none)",
        ),
        ("SELECT st_point(1, 2)", f"{SANDBOXED} (that needs the spatial extension, and this connection loads none)"),
    ]


@pytest.mark.parametrize("as_of", [None, 1], ids=["latest", "as-of"])
def test_run_sql_refuses_every_escape_with_one_line_and_changes_nothing(
    published: Any, tmp_path: Path, as_of: int | None
) -> None:
    data_path = published.settings.data_path
    files_before = sorted(Path(data_path).rglob("*"))

    refusals = {}
    for sql, _ in escapes(tmp_path, data_path):
        with pytest.raises(readonly.Refused) as refused:
            query.run_sql(sql, as_of=as_of)
        refusals[sql] = str(refused.value)

    assert refusals == dict(escapes(tmp_path, data_path))
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "other.duckdb").exists()
    assert sorted(Path(data_path).rglob("*")) == files_before
    assert published.scalar("SELECT count(*) FROM meta.loads") == 0
    assert published.scalar("SELECT count(*) FROM meta.publishes") == 1
    assert query.run_sql("SELECT * FROM league", as_of=as_of) == (["film_id", "roi"], [("level-zero-2026", 2.5)])


@pytest.mark.parametrize("as_of", [None, 1], ids=["latest", "as-of"])
def test_the_cli_prints_each_refusal_on_one_line_and_exits_1(
    published: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], as_of: int | None
) -> None:
    as_of_args = ["--as-of", str(as_of)] if as_of else []
    for sql, refusal in escapes(tmp_path, published.settings.data_path):
        assert cli.main(["sql", sql, *as_of_args]) == 1, sql
        captured = capsys.readouterr()
        assert (captured.out, captured.err) == ("", f"backlot sql: {refusal}\n"), sql


@pytest.mark.parametrize("as_of", [None, 1], ids=["latest", "as-of"])
def test_the_connection_itself_is_sandboxed_and_locked(published: Any, tmp_path: Path, as_of: int | None) -> None:
    """Without the statement check, DuckDB's own sandbox still refuses files, extensions and settings."""
    con = query.open_published(as_of)
    try:
        for sql in (
            "SELECT * FROM read_csv('/etc/passwd')",
            f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
            f"SELECT * FROM read_text('{tmp_path / 'secret.txt'}')",
            "SELECT * FROM read_csv('https://example.com/grosses.csv')",
            f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
            "LOAD httpfs",
            "INSTALL httpfs",
        ):
            with pytest.raises(duckdb.Error) as error:
                con.execute(sql)
            assert str(readonly.refusal(error.value)).startswith(SANDBOXED), sql
        for sql in ("SET enable_external_access = true", "RESET lock_configuration", "SET allowed_directories = ['/']"):
            with pytest.raises(duckdb.Error) as error:
                con.execute(sql)
            assert str(readonly.refusal(error.value)) == f"{READ_ONLY} (its settings are locked)", sql
        with pytest.raises(duckdb.Error) as error:
            con.execute("INSERT INTO lake.meta.loads (source) VALUES ('sneaky')")
        assert str(readonly.refusal(error.value)) == f"{READ_ONLY} (INSERT would write the lake)"
    finally:
        con.close()
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "other.duckdb").exists()


QUERIES = [
    "DESCRIBE league",
    "SUMMARIZE league",
    "SHOW TABLES",
    "EXPLAIN SELECT * FROM league",
    "EXPLAIN ANALYZE SELECT count(*) FROM league",
    "WITH best AS (FROM league ORDER BY roi DESC LIMIT 1) SELECT film_id FROM best",
    "FROM ducklake_snapshots('lake') LIMIT 1",
    "SELECT table_name FROM information_schema.tables WHERE table_schema IN ('marts', 'as_of')",
    "SELECT 1; SELECT count(*) FROM league",
    "SELECT * FROM generate_series(1, 3), range(2)",
]


@pytest.mark.parametrize("as_of", [None, 1], ids=["latest", "as-of"])
def test_queries_of_every_kind_still_run(published: Any, as_of: int | None) -> None:
    answered = {sql: bool(query.run_sql(sql, as_of=as_of)[1]) for sql in QUERIES}

    assert answered == dict.fromkeys(QUERIES, True)


def test_a_misspelt_function_or_a_syntax_error_is_duckdbs_own_error(published: Any) -> None:
    with pytest.raises(duckdb.CatalogException, match="rnage"):
        query.run_sql("FROM rnage(3)")
    with pytest.raises(duckdb.ParserException):
        query.run_sql("SELEC 1")


def test_threads_share_one_connection_through_cursors(published: Any) -> None:
    con = query.open_published()
    seen: list[Any] = []

    def read() -> None:
        cursor = query.published_cursor(con)
        seen.extend(cursor.execute("SELECT film_id FROM league").fetchall())
        try:
            readonly.execute(cursor, "SELECT * FROM read_csv('/etc/passwd')")
        except readonly.Refused as refused:
            seen.append(str(refused))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    con.close()
    assert sorted(seen, key=str) == [("level-zero-2026",)] * 4 + [f"{SANDBOXED} (read_csv reads files)"] * 4
