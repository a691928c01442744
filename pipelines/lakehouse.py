"""The DuckLake connection: extensions, attach, schemas and the meta tables, in one place.

Every reader and writer (loading, publish, `backlot sql`, dbt through its profile) attaches
the same lake under the alias `lake`, so a name like `lake.raw.films` means the same table
everywhere.
"""

from __future__ import annotations

import contextlib
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

META_TABLES = {
    "loads": """
        file_sha256 VARCHAR, source VARCHAR, file_name VARCHAR, status VARCHAR,
        rows_loaded BIGINT, rows_quarantined BIGINT, loaded_at TIMESTAMPTZ,
        seconds DOUBLE, detail VARCHAR, run_id VARCHAR""",
    "quality_results": """
        suite VARCHAR, target VARCHAR, success BOOLEAN, evaluated_expectations INTEGER,
        failed_expectations INTEGER, engine_error VARCHAR, rows_checked BIGINT,
        rows_validated_by_gx BIGINT, details VARCHAR, checked_at TIMESTAMPTZ,
        run_id VARCHAR""",
    "publishes": """
        publish_id BIGINT, snapshot_id BIGINT, published_at TIMESTAMPTZ,
        mart_rows MAP(VARCHAR, BIGINT), run_id VARCHAR""",
    # One row per dbt build: what it covered (pipelines/lib/passes.py).
    "builds": """
        run_id VARCHAR, built_at TIMESTAMPTZ, full_refresh BOOLEAN, project_sha256 VARCHAR,
        sources VARCHAR[], watermarks MAP(VARCHAR, TIMESTAMPTZ), marts VARCHAR[]""",
}


def extension_dir() -> Path:
    return EXTENSION_DIR


def install_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """Install the extensions from their wheels once; later calls only set the directory."""
    con.execute(f"SET extension_directory = '{EXTENSION_DIR}'")
    platform_dir = next(EXTENSION_DIR.glob("v*/*"), None)
    installed = {p.name.split(".")[0] for p in platform_dir.iterdir()} if platform_dir else set()
    missing = [name for name in EXTENSIONS if name not in installed]
    if missing:
        import duckdb_extensions  # only needed the first time

        EXTENSION_DIR.mkdir(parents=True, exist_ok=True)
        for name in missing:
            duckdb_extensions.import_extension(name, con=con)


def attach_sql(settings: Settings, *, read_only: bool = False, snapshot: int | None = None) -> str:
    options = [f"DATA_PATH '{settings.data_path}'"]
    if read_only:
        options.append("READ_ONLY")
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    return f"ATTACH 'ducklake:{settings.catalog}' AS {LAKE} ({', '.join(options)})"


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
        if not read_only:
            _write_ahead_log(Path(settings.catalog.removeprefix("sqlite:")))
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
    con.execute(f"SET temp_directory = '{settings.home / 'tmp'}'")
    con.execute(attach_sql(settings, read_only=read_only, snapshot=snapshot))
    con.execute(f"USE {LAKE}")
    if not read_only and snapshot is None:
        bootstrap(con)
    return con


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
    """Create the schemas and meta tables if this is a new lake (idempotent, one commit)."""
    existing_schemas = {
        row[0]
        for row in con.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = ?", [LAKE]
        ).fetchall()
    }
    existing_meta = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'meta'",
            [LAKE],
        ).fetchall()
    }
    statements = [f"CREATE SCHEMA IF NOT EXISTS {LAKE}.{s}" for s in SCHEMAS if s not in existing_schemas]
    statements += [
        f"CREATE TABLE IF NOT EXISTS {LAKE}.meta.{name} ({columns})"
        for name, columns in META_TABLES.items()
        if name not in existing_meta
    ]
    if not statements:
        return
    try:
        with transaction(con):
            for statement in statements:
                con.execute(statement)
    except duckdb.Error:
        # Another process bootstrapped the lake at the same moment; its commit won.
        if not _bootstrapped(con):
            raise


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


def _bootstrapped(con: duckdb.DuckDBPyConnection) -> bool:
    count = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'meta'",
        [LAKE],
    ).fetchone()
    return bool(count and count[0] >= len(META_TABLES))


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(f"SELECT id FROM {LAKE}.current_snapshot()").fetchone()
    assert row is not None
    return int(row[0])
