"""`backlot export`: every published mart as one file each, for BI tools that read files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pipelines.lib import query
from pipelines.lib.loading.sql import literal

ExportFormat = Literal["parquet", "csv"]


def export(directory: Path, fmt: ExportFormat = "parquet", *, as_of: int | None = None) -> dict[str, Path]:
    """Write each mart of the latest publish (or publish `as_of`) to `directory/<mart>.<fmt>`; return them.

    Every mart is read in one read-only connection, so all files come from the same publish.
    Each is written under a temp name and renamed, so a reader of the folder never meets half a file.
    """
    con = query.open_published()
    try:
        # The publish's own row is committed with it, after the snapshot it pins: look it up now.
        row = con.execute(
            "SELECT publish_id, mart_rows FROM meta.publishes WHERE publish_id = coalesce(?, "
            "(SELECT max(publish_id) FROM meta.publishes))",
            [as_of],
        ).fetchone()
        if row is None and as_of is None:
            raise query.QueryError("nothing is published yet: run `backlot run` or `backlot demo` first")
        if as_of is not None:
            con.close()
            con = query.open_published(as_of)  # says why when there is no such publish
        assert row is not None
        directory.mkdir(parents=True, exist_ok=True)
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        written = {}
        for mart in sorted(dict(row[1])):
            target = directory / f"{mart}.{fmt}"
            temp = directory / f".{mart}.{fmt}.tmp"
            con.execute(f"COPY (SELECT * FROM {mart}) TO {literal(str(temp))} ({options})")
            os.replace(temp, target)
            written[mart] = target
        return written
    finally:
        con.close()
