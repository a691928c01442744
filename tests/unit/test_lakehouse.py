"""The DuckLake connection: a reader in another process never makes a writer fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
