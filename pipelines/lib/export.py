"""`backlot export`: every published mart as one file each, for BI tools that read files.

The lake is read through the sandboxed read connection (query.published_connection), which
cannot write a file; the rows leave it as a stream of Arrow record batches, and a second,
plain in-memory DuckDB that never sees the lake writes them (DuckDB's Parquet and CSV
writers, as fast as COPY from the lake itself). That writer may only touch the export
folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import duckdb

from pipelines.lib import query
from pipelines.lib.loading.sql import literal
from pipelines.settings import Settings, load_settings

ExportFormat = Literal["parquet", "csv"]

# Enough rows per batch that the writer's per-batch overhead vanishes, few enough that
# memory stays small for the largest mart.
ROWS_PER_BATCH = 1 << 17


def export(directory: Path, fmt: ExportFormat = "parquet", *, as_of: int | None = None) -> dict[str, Path]:
    """Write each mart of the latest publish (or publish `as_of`) to `directory/<mart>.<fmt>`; return them.

    All marts are read at the publish's own snapshot (as `--as-of` reads them), so every
    file comes from the same publish even while a new one commits; each file's row count is
    checked against the publish's record. Each is written under a temp name and renamed, so a
    reader of the folder never meets half a file.
    """
    settings = load_settings()
    publish_id, mart_rows = _publish(settings, as_of)
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    reader = query.published_connection(settings, publish_id)  # says why when it cannot be read
    writer = _writer(directory)
    try:
        return {
            mart: _write(reader, writer, mart, expected_rows=rows, directory=directory, fmt=fmt)
            for mart, rows in sorted(mart_rows.items())
        }
    finally:
        writer.close()
        reader.close()


def _publish(settings: Settings, as_of: int | None) -> tuple[int, dict[str, int]]:
    con = query.published_connection(settings)
    try:
        wanted = "(SELECT max(publish_id) FROM meta.publishes)" if as_of is None else str(int(as_of))
        row = con.execute(f"SELECT publish_id, mart_rows FROM meta.publishes WHERE publish_id = {wanted}").fetchone()
    finally:
        con.close()
    if row is None and as_of is None:
        raise query.QueryError("nothing is published yet: run `backlot run` or `backlot demo` first")
    if row is None:
        raise query.QueryError(f"no publish with id {as_of} (see `backlot sql 'from meta.publishes'`)")
    return int(row[0]), dict(row[1])


def _writer(directory: Path) -> duckdb.DuckDBPyConnection:
    """A plain DuckDB that writes files into `directory` and may touch nothing else."""
    writer = duckdb.connect(config={"threads": os.cpu_count() or 2})
    writer.execute("SET TimeZone = 'UTC'")  # timestamps in a CSV read as the lake writes them
    writer.execute(f"SET allowed_directories = [{literal(f'{directory}/')}]")
    writer.execute("SET enable_external_access = false")
    writer.execute("SET lock_configuration = true")
    return writer


def _write(
    reader: duckdb.DuckDBPyConnection,
    writer: duckdb.DuckDBPyConnection,
    mart: str,
    *,
    expected_rows: int,
    directory: Path,
    fmt: ExportFormat,
) -> Path:
    target = directory / f"{mart}.{fmt}"
    temp = directory / f".{mart}.{fmt}.tmp"
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    batches = reader.execute(f"SELECT * FROM {mart}").fetch_record_batch(ROWS_PER_BATCH)
    writer.register("mart_rows", batches)
    try:
        written = writer.execute(f"COPY (SELECT * FROM mart_rows) TO {literal(str(temp))} ({options})").fetchone()
    finally:
        writer.unregister("mart_rows")
    if written is None or written[0] != expected_rows:
        temp.unlink(missing_ok=True)
        raise query.QueryError(
            f"{mart}: {written[0] if written else 0:,} rows read, but the publish recorded {expected_rows:,}"
        )
    os.replace(temp, target)
    return target
