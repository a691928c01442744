"""The DuckLake connection: extensions, attach, schemas and the meta tables, in one place.

Every reader and writer (loading, publish, `backlot sql`, dbt through its profile) attaches
the same lake under the alias `lake`, so a name like `lake.raw.films` means the same table
everywhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from pipelines.settings import Settings, load_settings

LAKE = "lake"
SCHEMAS = ("raw", "quarantine", "staging", "intermediate", "audit", "marts", "meta")
EXTENSIONS = ("ducklake", "sqlite_scanner", "postgres_scanner")

# Extensions cannot be downloaded at run time here: they come from the
# duckdb-extension-* wheels and are installed into a directory inside the virtualenv,
# so nothing is written to ~/.duckdb (the contract allows only BACKLOT_HOME and .venv).
EXTENSION_DIR = Path(sys.prefix) / "share" / "duckdb-extensions"

# The meta tables are versioned: each migration runs once per home, in order, and
# meta.schema_version records it, so a home written by an older release is brought up to
# date when this one first opens it (and one written by a newer release is refused). A
# migration is history: never edit one that has shipped, add the next.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "loads, quality_results and publishes",
        (
            """CREATE TABLE IF NOT EXISTS meta.loads (
                file_sha256 VARCHAR, source VARCHAR, file_name VARCHAR, status VARCHAR,
                rows_loaded BIGINT, rows_quarantined BIGINT, loaded_at TIMESTAMPTZ,
                seconds DOUBLE, detail VARCHAR, run_id VARCHAR)""",
            """CREATE TABLE IF NOT EXISTS meta.quality_results (
                suite VARCHAR, target VARCHAR, success BOOLEAN, evaluated_expectations INTEGER,
                failed_expectations INTEGER, engine_error VARCHAR, rows_checked BIGINT,
                rows_validated_by_gx BIGINT, details VARCHAR, checked_at TIMESTAMPTZ,
                run_id VARCHAR)""",
            """CREATE TABLE IF NOT EXISTS meta.publishes (
                publish_id BIGINT, snapshot_id BIGINT, published_at TIMESTAMPTZ,
                mart_rows MAP(VARCHAR, BIGINT), run_id VARCHAR)""",
        ),
    ),
    (
        2,
        "builds: what each dbt build covered (pipelines/lib/passes.py)",
        (
            """CREATE TABLE IF NOT EXISTS meta.builds (
                run_id VARCHAR, built_at TIMESTAMPTZ, full_refresh BOOLEAN, project_sha256 VARCHAR,
                sources VARCHAR[], watermarks MAP(VARCHAR, TIMESTAMPTZ), marts VARCHAR[])""",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class NewerLakeError(RuntimeError):
    """The home's meta tables were written by a newer release than this one."""


def extension_dir() -> Path:
    return EXTENSION_DIR


def install_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """Install the extensions from their wheels once; later calls only set the directory."""
    con.execute(f"SET extension_directory = {_literal(str(EXTENSION_DIR))}")
    platform_dir = next(EXTENSION_DIR.glob("v*/*"), None)
    installed = {p.name.split(".")[0] for p in platform_dir.iterdir()} if platform_dir else set()
    missing = [name for name in EXTENSIONS if name not in installed]
    if missing:
        import duckdb_extensions  # only needed the first time

        EXTENSION_DIR.mkdir(parents=True, exist_ok=True)
        for name in missing:
            duckdb_extensions.import_extension(name, con=con)


def attach_sql(settings: Settings, *, read_only: bool = False, snapshot: int | None = None) -> str:
    options = [f"DATA_PATH {_literal(settings.data_path)}"]
    if settings.data_in_home:
        # The catalog keeps the data path it was created with; a home restored or moved
        # elsewhere takes its files along (their paths in the catalog are relative to it).
        options.append("OVERRIDE_DATA_PATH true")
    if read_only:
        options.append("READ_ONLY")
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    return f"ATTACH {_literal('ducklake:' + settings.catalog)} AS {LAKE} ({', '.join(options)})"


def _literal(text: str) -> str:
    """A SQL string literal. Paths and the catalog come from settings, and for a BI tool from its URL
    (pipelines/lib/bi.py): pasted between bare quotes, a `'` in one ended the string, and what
    followed ran as SQL before the read connection was locked down (a writable ATTACH, COPY TO
    any file). Quoted, it is only ever a (wrong) path."""
    return "'" + text.replace("'", "''") + "'"


def connect(
    settings: Settings | None = None,
    *,
    read_only: bool = False,
    snapshot: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the lake attached as `lake` and selected as default.

    Read-write connections are cursors of one DuckDB per process and lake: each caller
    still has its own transactions and temp tables, but starting DuckDB, loading DuckLake
    and attaching the catalog is paid once, not by each of a pass's dozen steps.
    Read-only and time-travel connections attach the lake their own way, so they are new.
    """
    settings = settings or load_settings()
    if read_only or snapshot is not None:
        return _open(settings, read_only=read_only, snapshot=snapshot)
    con = _shared_writer(settings).cursor()
    con.execute(f"USE {LAKE}")
    return con


@functools.cache
def _shared_writer(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The process's read-write DuckDB for this lake; see connect()."""
    return _open(settings)


def _open(settings: Settings, *, read_only: bool = False, snapshot: int | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB with the lake attached."""
    if not settings.catalog_is_postgres:
        settings.lake_dir.mkdir(parents=True, exist_ok=True)
    if "://" not in settings.data_path:
        Path(settings.data_path).mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {"threads": os.cpu_count() or 2}
    if read_only or snapshot is not None:
        # DuckDB checks an extension's signature by hashing its whole file (30-40 MB) on every
        # LOAD: 0.6 s of every `backlot sql`. Ours come from the venv's wheels, as trusted as
        # DuckDB itself; a reader is then locked down, so nothing else can be loaded after.
        config["allow_unsigned_extensions"] = True
    con = duckdb.connect(config=config)
    install_extensions(con)
    con.execute("SET TimeZone = 'UTC'")
    # Large batches spill here rather than into ./.tmp of whatever directory we run from.
    con.execute(f"SET temp_directory = {_literal(str(settings.home / 'tmp'))}")
    if read_only or snapshot is not None:
        con.execute(attach_sql(settings, read_only=read_only, snapshot=snapshot))
        con.execute(f"USE {LAKE}")
        return con
    with _attaching(settings):
        if not settings.catalog_is_postgres:
            _write_ahead_log(Path(settings.catalog.removeprefix("sqlite:")))
        con.execute(attach_sql(settings))
        con.execute(f"USE {LAKE}")
        bootstrap(con)
    return con


@contextlib.contextmanager
def _attaching(settings: Settings) -> Iterator[None]:
    """Writers of one home attach in turn.

    The first ATTACH of a new lake switches the SQLite catalog to WAL and writes DuckLake's
    tables, and bootstrap the schemas and meta tables; two processes starting on a new home at
    once (two `backlot run`s, a run and `serve`) both did, and one failed with "database is
    locked". The flock is held only for the attach, and goes with a process killed holding it.
    """
    settings.home.mkdir(parents=True, exist_ok=True)
    with (settings.home / ".attach.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_ahead_log(catalog: Path) -> None:
    """Put the SQLite catalog in WAL mode (once: the mode stays with the file).

    In SQLite's default journal mode, a query reading the catalog in another process (a long
    `backlot sql`, the dashboard, the ingest API's duplicate lookup) makes every writer's
    commit fail with "database is locked"; in WAL mode readers and the writer never wait.
    """
    import sqlite3

    with contextlib.closing(sqlite3.connect(catalog, timeout=30)) as sqlite:
        if sqlite.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            sqlite.execute("PRAGMA journal_mode=WAL")


def bootstrap(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and bring the meta tables to SCHEMA_VERSION (idempotent, one commit)."""
    version = schema_version(con)
    if version > SCHEMA_VERSION:
        raise NewerLakeError(
            f"this lake's meta tables are at version {version}, written by a newer Backlot than this one "
            f"(which knows versions up to {SCHEMA_VERSION}): upgrade Backlot to open it"
        )
    if version == SCHEMA_VERSION:
        return
    try:
        with transaction(con):
            for schema in SCHEMAS:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {LAKE}.{schema}")
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {LAKE}.meta.schema_version "
                "(version INTEGER, description VARCHAR, migrated_at TIMESTAMPTZ)"
            )
            for number, description, statements in MIGRATIONS:
                if number > version:
                    for statement in statements:
                        con.execute(statement)
                    con.execute(f"INSERT INTO {LAKE}.meta.schema_version VALUES (?, ?, now())", [number, description])
    except duckdb.Error:
        # Another process migrated the lake at the same moment; its commit won.
        if schema_version(con) != SCHEMA_VERSION:
            raise


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The last migration applied to this lake's meta tables; 0 for a new lake.

    A home from a release before meta.schema_version existed has the tables of version 1
    (and of 2, once meta.builds is there): its version is read off what it holds.
    """
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'meta'",
            [LAKE],
        ).fetchall()
    }
    if "schema_version" in tables:
        row = con.execute(f"SELECT coalesce(max(version), 0) FROM {LAKE}.meta.schema_version").fetchone()
        return int(row[0]) if row else 0
    if "builds" in tables:
        return 2
    return 1 if "loads" in tables else 0


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckLake commit: everything inside lands together, or (on any exception) nothing does."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()
    assert row is not None
    return int(row[0])
