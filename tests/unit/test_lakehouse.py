"""The DuckLake connection: a reader in another process never makes a writer fail, nor do writers
starting together on a new home."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines import lakehouse
from pipelines.settings import Settings

# Another process holds a read transaction on the catalog, as a long query does.
READER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1])
con.execute("BEGIN")
con.execute("SELECT count(*) FROM ducklake_snapshot").fetchone()
print("reading", flush=True)
time.sleep(8)
con.rollback()
"""


def test_a_writer_commits_while_another_process_reads_the_catalog(settings: Settings) -> None:
    con = lakehouse.connect(settings)
    con.execute("CREATE TABLE raw.ticks (n INTEGER)")
    catalog = Path(settings.catalog.removeprefix("sqlite:"))
    reader = subprocess.Popen([sys.executable, "-c", READER, str(catalog)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline().strip() == "reading"
        con.execute("INSERT INTO raw.ticks VALUES (1)")  # failed with "database is locked" in rollback-journal mode
    finally:
        reader.communicate(timeout=30)
    assert con.execute("SELECT count(*) FROM raw.ticks").fetchone() == (1,)


# A writer that says it is ready, waits for the word, then attaches: what each process of a pass does first.
WRITER = """
import os, sys, time
from pathlib import Path
from pipelines import lakehouse
from pipelines.settings import load_settings
Path(sys.argv[2]).touch()
while not os.path.exists(sys.argv[1]):
    time.sleep(0.001)
lakehouse.connect(load_settings()).execute("SELECT count(*) FROM meta.loads").fetchone()
"""


def test_writers_starting_together_on_a_new_home_all_attach(settings: Settings, tmp_path: Path) -> None:
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(6)]
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(go), str(flag)], stderr=subprocess.PIPE, text=True)
        for flag in ready
    ]
    deadline = time.monotonic() + 120
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.05)  # every writer has imported DuckDB and waits
    go.touch()
    errors = [writer.communicate(timeout=120)[1] for writer in writers]
    # Two at once both created the catalog's tables, and one failed with "database is locked".
    assert [writer.returncode for writer in writers] == [0] * 6, errors


def test_meta_tables_of_an_older_release_are_migrated_and_a_newer_lake_is_refused(settings: Settings) -> None:
    con = lakehouse.connect(settings)
    assert lakehouse.schema_version(con) == lakehouse.SCHEMA_VERSION
    versions = con.execute("SELECT version FROM meta.schema_version ORDER BY version").fetchall()
    assert versions == [(number,) for number, _description, _statements in lakehouse.MIGRATIONS]

    # A lake as the first release left it: version 1's tables, no record of versions.
    con.execute("DROP TABLE meta.builds")
    con.execute("DROP TABLE meta.schema_version")
    assert lakehouse.schema_version(con) == 1
    lakehouse.bootstrap(con)
    assert lakehouse.schema_version(con) == lakehouse.SCHEMA_VERSION
    assert con.execute("SELECT count(*) FROM meta.builds").fetchone() == (0,)

    con.execute("INSERT INTO meta.schema_version VALUES (99, 'from the future', now())")
    with pytest.raises(lakehouse.NewerLakeError, match="version 99, written by a newer Backlot"):
        lakehouse.bootstrap(con)
