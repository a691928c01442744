"""The read paths cannot write, cannot read local files, cannot reach the network.

Three read paths, each on a real lake in a temporary home:

- `backlot sql` (the command, in this process and as a child process);
- the BI dialect `duckdb+backlot://` (SQLAlchemy, what Superset or pandas use);
- the dashboard's own connections (`pipelines.dashboard.data`): it runs no SQL a visitor
  types (tests/security/test_sql_injection.py), so what stands between it and the machine
  is DuckDB's sandbox alone, tried here without Backlot's statement check in front.

"Cannot reach the network" is shown, not assumed: a canary HTTP server listens on loopback
and every statement aims at it; it must never see a connection. tests/unit/lib/test_readonly.py
covers the basic escapes through `query.run_sql`; these are the evasions (case, quoting,
schema-qualified names, comments, subqueries, CTEs, LATERAL, lists of files), the canary,
and the BI and dashboard paths.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

import pipelines.lib.bi  # noqa: F401 - registers duckdb+backlot, should the entry point not be installed
from pipelines import cli
from pipelines.lib import readonly
from pipelines.settings import Settings
from tests.security.conftest import files_under, lake_fingerprint, published_home, use_home

READ_ONLY = "refused: this connection is read-only"
SANDBOXED = "refused: this connection cannot reach files or the network"


class Canary(http.server.ThreadingHTTPServer):
    """An HTTP server on loopback that counts every connection made to it (and answers a CSV)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections = 0
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"secret,leaked\n1,2\n")

            do_HEAD = do_PUT = do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self) -> tuple[Any, Any]:
        with self.lock:
            self.connections += 1
        return super().get_request()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # It answers: a connection that is refused later is refused by Backlot, not by a dead server.
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/x.csv", timeout=10) as response:
        assert response.read() == b"secret,leaked\n1,2\n"
    server.connections = 0
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def attacks(settings: Settings, canary: str, tmp_path: Path) -> dict[str, str]:
    """Statement -> the one-line refusal `backlot sql` and the BI dialect give it."""
    catalog = settings.catalog.removeprefix("sqlite:")
    data = settings.data_path
    secret = tmp_path / "secret.txt"
    reads = f"{SANDBOXED} (read_text reads files)"
    return {
        # writes
        "INSERT INTO meta.publishes SELECT * FROM meta.publishes": f"{READ_ONLY} (INSERT changes data)",
        "UPDATE meta.publishes SET run_id = 'x'": f"{READ_ONLY} (UPDATE changes data)",
        "CREATE TABLE lake.marts.sneaky AS SELECT 1": f"{READ_ONLY} (CREATE makes a new object)",
        "CREATE MACRO sneaky() AS 1": f"{READ_ONLY} (CREATE makes a new object)",
        "CREATE SECRET (TYPE http)": f"{READ_ONLY} (CREATE makes a new object)",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other": f"{READ_ONLY} (ATTACH opens another database)",
        f"ATTACH 'ducklake:{settings.catalog}' AS writable (DATA_PATH '{data}')": (
            f"{READ_ONLY} (ATTACH opens another database)"
        ),
        f"COPY film_capital_efficiency TO '{tmp_path / 'out.csv'}'": f"{READ_ONLY} (COPY writes a file)",
        f"COPY (SELECT 1) TO '{data}sneaky.parquet' (FORMAT parquet)": f"{READ_ONLY} (COPY writes a file)",
        f"EXPORT DATABASE '{tmp_path / 'export'}'": f"{READ_ONLY} (EXPORT DATABASE writes files)",
        "DETACH lake": f"{READ_ONLY} (DETACH closes a database)",
        "VACUUM": f"{READ_ONLY} (VACUUM writes the lake)",
        "SELECT * FROM query_table('meta.publishes')": f"{READ_ONLY} (query_table runs SQL that cannot be checked)",
        # local files, every way a table function can be named or hidden
        "SELECT count(*) FROM glob('/etc/*')": f"{SANDBOXED} (glob reads files)",
        f"SELECT * FROM glob('{data}**')": f"{SANDBOXED} (glob reads files)",
        "SELECT * FROM read_text('/etc/passwd')": reads,
        f"SELECT * FROM read_text('{secret}')": reads,
        "SELECT * FROM ReAd_TeXt('/etc/passwd')": reads,
        "SELECT * FROM \"read_text\"('/etc/passwd')": reads,
        "SELECT * FROM main.read_text('/etc/passwd')": reads,
        "SELECT * FROM system.main.read_text('/etc/passwd')": reads,
        "SELECT * FROM read_text/**/('/etc/passwd')": reads,
        "SELECT * FROM read_text(['/etc/hostname', '/etc/passwd'])": reads,
        "WITH x AS (FROM read_text('/etc/passwd')) FROM x": reads,
        "SELECT (SELECT content FROM read_text('/etc/passwd'))": reads,
        "FROM range(1) r, LATERAL (FROM read_text('/etc/passwd'))": reads,
        "SELECT 1 UNION ALL SELECT count(*) FROM read_text('/etc/passwd')": reads,
        "SELECT * FROM read_csv('/etc/passwd')": f"{SANDBOXED} (read_csv reads files)",
        "SELECT * FROM read_csv_auto('/etc/passwd', header = false)": f"{SANDBOXED} (read_csv_auto reads files)",
        "FROM sniff_csv('/etc/passwd')": f"{SANDBOXED} (sniff_csv reads files)",
        "FROM read_json_auto('/etc/passwd')": f"{SANDBOXED} (read_json_auto reads files)",
        f"FROM read_blob('{catalog}')": f"{SANDBOXED} (read_blob reads files)",
        f"FROM parquet_metadata('{data}**/*.parquet')": f"{SANDBOXED} (parquet_metadata reads files)",
        f"FROM sqlite_scan('{catalog}', 'ducklake_snapshot')": f"{SANDBOXED} (sqlite_scan opens another database)",
        "FROM '/etc/passwd'": f"{SANDBOXED} ('/etc/passwd' names a file)",
        # the network: every statement aims at the canary
        f"FROM read_csv('{canary}/x.csv')": f"{SANDBOXED} (read_csv reads files)",
        f"FROM '{canary}/x.csv'": f"{SANDBOXED} ('{canary}/x.csv' names a file)",
        f"FROM read_json('{canary}/x.json')": f"{SANDBOXED} (read_json reads files)",
        f"FROM read_parquet('{canary}/x.parquet')": f"{SANDBOXED} (read_parquet reads files)",
        f"FROM read_text('{canary}/x')": reads,
        f"SELECT * FROM glob('{canary}/*')": f"{SANDBOXED} (glob reads files)",
        f"ATTACH '{canary}/x.duckdb' AS remote": f"{READ_ONLY} (ATTACH opens another database)",
        f"INSTALL httpfs FROM '{canary}'": f"{READ_ONLY} (INSTALL adds an extension)",
        "LOAD httpfs": f"{READ_ONLY} (LOAD loads an extension)",
        f"SET custom_extension_repository = '{canary}'": f"{READ_ONLY} (SET changes a setting)",
        "SET enable_external_access = true": f"{READ_ONLY} (SET changes a setting)",
        f"COPY (SELECT 1) TO '{canary}/x.csv'": f"{READ_ONLY} (COPY writes a file)",
        "FROM 's3://bucket/x.parquet'": f"{SANDBOXED} ('s3://bucket/x.parquet' names a file)",
    }


@pytest.fixture(scope="module")
def module_lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return published_home(tmp_path_factory, "readonly")


@pytest.fixture
def lake(module_lake: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The module's lake, named by this test's environment; and a local file no query may read."""
    use_home(module_lake, monkeypatch, tmp_path)
    (tmp_path / "secret.txt").write_text("not for analysts\n")
    return module_lake


def _nothing_written(tmp_path: Path) -> None:
    for name in ("out.csv", "other.duckdb", "export"):
        assert not (tmp_path / name).exists(), name


def test_backlot_sql_refuses_every_write_file_and_network_escape_with_its_line(
    lake: Settings, canary: Canary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = lake_fingerprint(lake)
    expected = attacks(lake, canary.url, tmp_path)

    answered = {}
    for sql in expected:
        code = cli.main(["sql", sql])
        captured = capsys.readouterr()
        answered[sql] = (code, captured.out, captured.err)

    assert answered == {sql: (1, "", f"backlot sql: {refusal}\n") for sql, refusal in expected.items()}
    assert canary.connections == 0
    assert lake_fingerprint(lake) == before
    _nothing_written(tmp_path)


def test_backlot_sql_as_of_refuses_the_network_too(
    lake: Settings, canary: Canary, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = lake_fingerprint(lake)
    # The network ones (tests/unit/lib/test_readonly.py tries the local files with --as-of).
    expected = {sql: refusal for sql, refusal in attacks(lake, canary.url, tmp_path).items() if canary.url in sql}

    answered = {}
    for sql in expected:
        code = cli.main(["sql", sql, "--as-of", "1"])
        captured = capsys.readouterr()
        answered[sql] = (code, captured.err)

    assert answered == {sql: (1, f"backlot sql: {refusal}\n") for sql, refusal in expected.items()}
    assert canary.connections == 0
    assert lake_fingerprint(lake) == before


def test_the_backlot_command_itself_refuses_and_reaches_nothing(lake: Settings, canary: Canary) -> None:
    env = {**os.environ, "BACKLOT_HOME": str(lake.home)}
    statements = [f"FROM read_csv('{canary.url}/x.csv')", "SELECT * FROM read_text('/etc/passwd')"]
    runs = [
        subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "sql", sql], capture_output=True, text=True, env=env, check=False
        )
        for sql in statements
    ]

    assert [(r.returncode, r.stdout) for r in runs] == [(1, ""), (1, "")]
    assert runs[0].stderr == f"backlot sql: {SANDBOXED} (read_csv reads files)\n"
    assert runs[1].stderr == f"backlot sql: {SANDBOXED} (read_text reads files)\n"
    assert "root:" not in runs[1].stdout + runs[1].stderr
    assert canary.connections == 0


@pytest.mark.parametrize("as_of", [None, 1], ids=["latest", "as-of"])
def test_the_bi_dialect_refuses_every_escape_with_its_line(
    lake: Settings, canary: Canary, tmp_path: Path, as_of: int | None
) -> None:
    before = lake_fingerprint(lake)
    expected = attacks(lake, canary.url, tmp_path)
    engine = sa.create_engine(f"duckdb+backlot:///{lake.home}" + (f"?as_of={as_of}" if as_of else ""))

    answered = {}
    for sql in expected:
        try:
            with engine.connect() as con:
                con.exec_driver_sql(sql)  # as typed: no `:name` read as a bind parameter
            answered[sql] = "ran"
        except sa.exc.DBAPIError as error:
            answered[sql] = str(error.orig)
    with engine.connect() as con:
        films = con.execute(sa.text("SELECT count(*) FROM film_capital_efficiency")).scalar()
    engine.dispose()

    assert answered == expected
    assert films == 3  # the same connections still read the marts
    assert canary.connections == 0
    assert lake_fingerprint(lake) == before
    _nothing_written(tmp_path)


def _sandbox_attacks(settings: Settings, canary: str, tmp_path: Path) -> dict[str, str]:
    """Statement -> how the sandbox's refusal begins, on a connection with no statement check in front."""
    return {
        "SELECT * FROM read_csv('/etc/passwd')": f"{SANDBOXED} (cannot open /etc/passwd)",
        "SELECT * FROM read_text('/etc/passwd')": f"{SANDBOXED} (cannot open /etc/passwd)",
        f"SELECT * FROM read_text('{tmp_path / 'secret.txt'}')": f"{SANDBOXED} (cannot open {tmp_path / 'secret.txt'})",
        "SELECT count(*) FROM glob('/etc/*')": f"{SANDBOXED} (cannot open /etc/*)",
        f"SELECT * FROM read_csv('{canary}/x.csv')": f"{SANDBOXED} (cannot open {canary}/x.csv)",
        f"SELECT * FROM '{canary}/x.csv'": f"{SANDBOXED} (cannot open {canary}/x.csv)",
        f"COPY (SELECT 1) TO '{canary}/x.csv'": f"{SANDBOXED} (cannot open {canary}/x.csv)",
        f"ATTACH '{canary}/x.duckdb' AS remote": f"{SANDBOXED} (that needs the httpfs extension",
        f"INSTALL httpfs FROM '{canary}'": SANDBOXED,
        "LOAD httpfs": SANDBOXED,
        f"SET custom_extension_repository = '{canary}'": f"{READ_ONLY} (its settings are locked)",
        "SET enable_external_access = true": f"{READ_ONLY} (its settings are locked)",
        "SET allowed_directories = ['/']": f"{READ_ONLY} (its settings are locked)",
        "INSERT INTO lake.meta.publishes SELECT * FROM lake.meta.publishes": f"{READ_ONLY} (INSERT would write",
        "CREATE TABLE lake.marts.sneaky AS SELECT 1": f"{READ_ONLY} (CREATE would write",
        "DROP TABLE lake.audit.film_capital_efficiency": f"{READ_ONLY} (DROP would write",
        "DELETE FROM lake.meta.publishes": f"{READ_ONLY} (DELETE would write",
        f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'": f"{SANDBOXED} (cannot open {tmp_path / 'out.csv'})",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other": f"{SANDBOXED} (cannot open {tmp_path / 'other.duckdb'})",
    }


def test_the_dashboards_connections_are_sandboxed_on_their_own(lake: Settings, canary: Canary, tmp_path: Path) -> None:
    """Each connection the dashboard reads through, tried without the statement check: DuckDB's own
    sandbox and the read-only attach refuse every write, file and network access."""
    from pipelines.dashboard import data

    before = lake_fingerprint(lake)
    expected = _sandbox_attacks(lake, canary.url, tmp_path)
    data._listing.close()  # the listing connection of this home, not one an earlier test opened

    def attempt(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        answered = {}
        for sql, refusal in expected.items():
            try:
                con.execute(sql)
                answered[sql] = "ran"
            except duckdb.Error as error:
                message = str(readonly.refusal(error) or error)
                answered[sql] = refusal if message.startswith(refusal) else message
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")  # the latest publish is read in a transaction: end the aborted one
        return answered

    try:
        seen = {"listing": attempt(data._listing._connection())}
        for publish in (2, 1):  # the latest (in one transaction), an earlier one (at its snapshot)
            with data._reading(publish) as con:
                seen[f"publish {publish}"] = attempt(con)
    finally:
        data._listing.close()

    assert seen == dict.fromkeys(["listing", "publish 2", "publish 1"], expected)
    assert canary.connections == 0
    assert lake_fingerprint(lake) == before
    assert files_under(tmp_path) == {tmp_path / "secret.txt"}
