"""Committing a judged batch: raw, quarantine, meta.loads and the suite's result in one DuckLake transaction."""

from __future__ import annotations

import duckdb

from pipelines.lakehouse import transaction
from pipelines.lib import quality
from pipelines.lib.loading.judge import JUDGED
from pipelines.lib.loading.report import LoadReport
from pipelines.lib.loading.spec import LINEAGE, SourceSpec
from pipelines.lib.loading.sql import identifier

# A rejected file's text kept in quarantine; the file itself is archived whole.
WHOLE_FILE_MAX_CHARS = 1 << 20


def commit(con: duckdb.DuckDBPyConnection, spec: SourceSpec, report: LoadReport, *, with_rows: bool = True) -> None:
    """Everything the batch loaded, or (on any error) nothing: its files then stay pending.

    `with_rows=False` records a batch that read no rows (only duplicates and rejected files).
    """
    with transaction(con):
        if with_rows:
            _insert_rows(con, spec, any_rejected=report.rows_quarantined > 0)
        for outcome in report.files:
            if outcome.status == "rejected":
                text = outcome.file.path.read_text(errors="replace")[:WHOLE_FILE_MAX_CHARS]
                con.execute(
                    f"INSERT INTO quarantine.{spec.name} (_raw, _reason, _file_sha256, _file_name, _row_number, "
                    "_quarantined_at) VALUES (?, ?, ?, ?, NULL, now())",
                    [text, f"whole file rejected: {outcome.detail}", outcome.file.sha256, outcome.file.name],
                )
        _insert_loads(con, spec.name, report)
        if with_rows:
            record_quality(con, report)


def record_quality(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    """The batch's suite result in meta.quality_results (also when it failed and nothing else is committed)."""
    assert report.quality is not None
    quality.record(con, f"raw.{report.source}", report.quality, report.run_id)


def _insert_rows(con: duckdb.DuckDBPyConnection, spec: SourceSpec, *, any_rejected: bool) -> None:
    typed = ", ".join(identifier(c.name) for c in spec.columns)
    texts = ", ".join(f"l.{identifier(c.name)}" for c in spec.columns)
    # Files of one batch get _loaded_at a microsecond apart, in arrival order, so that
    # "the newest file wins" holds within a batch exactly as it does across batches.
    con.execute(
        f"INSERT INTO raw.{spec.name} SELECT {typed}, {', '.join(LINEAGE)}, now() + to_microseconds(_file_index) "
        f"FROM {JUDGED} JOIN _files USING (_file_index) WHERE _reason IS NULL"
    )
    if not any_rejected:
        return  # `_landed` may be a view that reads the files again
    # Rejected rows are few: their text is read back from the landed files by line.
    con.execute(
        f"INSERT INTO quarantine.{spec.name} SELECT {texts}, l._raw, j._reason, f._file_sha256, f._file_name, "
        f"j._row_number, now() FROM {JUDGED} j JOIN _landed l USING (_file_index, _row_number) "
        "JOIN _files f USING (_file_index) WHERE j._reason IS NOT NULL ORDER BY j._file_index, j._row_number"
    )


def _insert_loads(con: duckdb.DuckDBPyConnection, source: str, report: LoadReport) -> None:
    """One row per file in meta.loads, in one statement from an Arrow table (executemany costs a statement a file)."""
    import pyarrow as pa

    if not report.files:
        return
    seconds = report.stages.get("read", 0.0) + report.stages.get("judge", 0.0) + report.stages.get("quality", 0.0)
    outcomes = pa.table(
        {
            "file_sha256": pa.array([o.file.sha256 for o in report.files], pa.string()),
            "file_name": pa.array([o.file.name for o in report.files], pa.string()),
            "status": pa.array([o.status for o in report.files], pa.string()),
            "rows_loaded": pa.array([o.rows_loaded for o in report.files], pa.int64()),
            "rows_quarantined": pa.array([o.rows_quarantined for o in report.files], pa.int64()),
            "detail": pa.array([o.detail for o in report.files], pa.string()),
        }
    )
    con.register("_outcomes_arrow", outcomes)
    try:
        con.execute(
            "INSERT INTO meta.loads SELECT file_sha256, ?, file_name, status, rows_loaded, rows_quarantined, now(), "
            "?, detail, ? FROM _outcomes_arrow",
            [source, seconds, report.run_id],
        )
    finally:
        con.unregister("_outcomes_arrow")
