"""One batch, end to end: claim, read, judge, de-duplicate, check, commit (or nothing at all)."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import duckdb

from pipelines.lakehouse import LAKE
from pipelines.lib import landing, quality
from pipelines.lib.landing import LandedFile
from pipelines.lib.loading import readers
from pipelines.lib.loading.commit import commit, record_quality
from pipelines.lib.loading.duplicates import mark_duplicates
from pipelines.lib.loading.judge import JUDGED, apply_rules, judge_sql
from pipelines.lib.loading.macros import MACROS
from pipelines.lib.loading.readers.base import IndexedFile
from pipelines.lib.loading.report import FileOutcome, LoadReport
from pipelines.lib.loading.spec import LINEAGE, SourceSpec
from pipelines.lib.loading.sql import identifier, insert_file_list


def load_pending(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, source_dir: Path, *, run_id: str | None = None
) -> LoadReport:
    """Claim every file waiting in `source_dir`, load them as one batch, and archive them once committed."""
    with landing.claim(source_dir) as claimed:
        report = load_batch(con, spec, claimed.files, run_id=run_id)
        if report.committed and claimed.files:
            claimed.archive()
    return report


def load_batch(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: Sequence[LandedFile], *, run_id: str | None = None
) -> LoadReport:
    """Load `files` of one source as one batch: for every file, rows in raw + rows in quarantine = its records.

    1. read   each file with DuckDB's own readers into text columns, one row per record,
              with its line number (see `readers`);
    2. judge  every row: type its cells, the suite's row-level expectations, the source's
              own rules, duplicates within the batch;
    3. check  the rows that would be loaded with the source's suite (DuckDB on all rows, GX);
    4. commit raw + quarantine + meta.loads in one DuckLake transaction, or nothing at all.
    """
    try:
        report = _load_batch(con, spec, files, run_id=run_id)
    except BaseException:
        # Also after an error (its files stay queued): a batch's temp tables and views must not
        # outlive it, or the next batch on this connection meets them (a view's name taken by a
        # table of the last batch's JSON, say) and fails on something that is not its input.
        with contextlib.suppress(duckdb.Error):
            _drop_batch_tables(con)
        raise
    _drop_batch_tables(con)
    return report


def _load_batch(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: Sequence[LandedFile], *, run_id: str | None
) -> LoadReport:
    started = time.perf_counter()
    report = LoadReport(spec.name, run_id or uuid.uuid4().hex)
    con.execute(MACROS)
    con.execute(spec.raw_ddl())
    con.execute(spec.quarantine_ddl())

    to_read = _skip_loaded_content(con, spec, files, report)
    batch = readers.read_batch(con, spec, to_read)
    _list_files(con, batch.read)
    report.stages["read"] = time.perf_counter() - started
    rejected = [outcome for _, outcome in batch.rejected]

    if not batch.read:
        report.committed = True  # nothing to validate: only duplicates and rejected files, or no files
        report.files += rejected
        report.quality = quality.SuiteResult.nothing_to_check(spec.suite.name)
        report.sample_reasons = [f"{r.file.name}: rejected whole: {r.detail}" for r in rejected]
        if report.files:
            commit(con, spec, report, with_rows=False)
        report.seconds = time.perf_counter() - started
        return report

    # Rows are checked against the sources they depend on: without them, nothing is judged
    # (the files stay pending) rather than every row quarantined as, say, an unknown film.
    missing = [name for name in spec.depends_on if not _raw_table_exists(con, name)]
    if missing:
        raise LookupError(f"{spec.name} is checked against raw.{missing[0]}, which does not exist yet: load it first")
    mark = time.perf_counter()
    judge = f"CREATE OR REPLACE TEMP TABLE {JUDGED} AS {judge_sql(spec, '_landed')}"
    try:
        con.execute(judge)
    except duckdb.Error:
        if not batch.judged_from_files:
            raise
        # DuckDB's JSON reader met a record it cannot read into the columns (say, a `snippet`
        # that is a string): the text path says which and why.
        batch = readers.read_batch(con, spec, to_read, as_text=True)
        rejected = [outcome for _, outcome in batch.rejected]
        _list_files(con, batch.read)
        con.execute(judge)
    report.stages["judge.type"] = time.perf_counter() - mark
    apply_rules(con, spec)
    report.stages["judge.rules"] = time.perf_counter() - mark - report.stages["judge.type"]
    repeated_keys = mark_duplicates(con, spec)
    report.stages["judge.duplicates"] = (
        time.perf_counter() - mark - report.stages["judge.type"] - report.stages["judge.rules"]
    )
    typed = ", ".join(identifier(c.name) for c in spec.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _good AS SELECT {typed}, {', '.join(LINEAGE)} "
        f"FROM {JUDGED} JOIN _files USING (_file_index) WHERE _reason IS NULL"
    )
    report.stages["judge"] = time.perf_counter() - mark

    mark = time.perf_counter()
    report.quality = quality.run_suite(con, spec.suite, "_good", repeated_keys=repeated_keys)
    report.stages["quality"] = time.perf_counter() - mark

    counts = {
        index: (good, bad)
        for index, good, bad in con.execute(
            "SELECT _file_index, count(*) FILTER (WHERE _reason IS NULL), count(*) FILTER (WHERE _reason IS NOT NULL) "
            f"FROM {JUDGED} GROUP BY ALL"
        ).fetchall()
    }
    for index, file in batch.read:
        good, bad = counts.get(index, (0, 0))
        # A loaded file's detail is a warning about it, such as schema drift (see readers).
        report.files.append(FileOutcome(file, "loaded", good, bad, detail=batch.warnings.get(index)))
    report.files += rejected
    report.sample_reasons = [
        f"{name} {spec.record_label} {line}: {reason}"
        for name, line, reason in con.execute(
            f"SELECT _file_name, _row_number, _reason FROM {JUDGED} JOIN _files USING (_file_index) "
            "WHERE _reason IS NOT NULL "
            "ORDER BY _file_index, _row_number LIMIT 20"
        ).fetchall()
    ] + [f"{r.file.name}: rejected whole: {r.detail}" for r in rejected]

    mark = time.perf_counter()
    if report.quality.success:
        commit(con, spec, report)
        report.committed = True
    else:
        record_quality(con, report)
    report.stages["commit"] = time.perf_counter() - mark
    report.seconds = time.perf_counter() - started
    return report


def _skip_loaded_content(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: Sequence[LandedFile], report: LoadReport
) -> list[LandedFile]:
    """The files to read: content loaded (or rejected) before, or twice in this batch, is a duplicate."""
    seen = dict(
        con.execute(
            "SELECT file_sha256, any_value(file_name) FROM meta.loads "
            "WHERE source = ? AND status IN ('loaded', 'rejected') GROUP BY ALL",
            [spec.name],
        ).fetchall()
    )
    to_read: list[LandedFile] = []
    for file in files:
        if file.sha256 in seen:
            report.files.append(
                FileOutcome(file, "duplicate", detail=f"same content as {seen[file.sha256]}, already loaded")
            )
        elif any(f.sha256 == file.sha256 for f in to_read):
            report.files.append(FileOutcome(file, "duplicate", detail="same content as another file in this batch"))
        else:
            to_read.append(file)
    return to_read


def _raw_table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'raw' AND table_name = ?",
        [LAKE, name],
    ).fetchone()
    return bool(found and found[0])


def _list_files(con: duckdb.DuckDBPyConnection, read: Sequence[IndexedFile]) -> None:
    """The temp table `_files`: the lineage of each file read, by `_file_index`."""
    con.execute("CREATE OR REPLACE TEMP TABLE _files (_file_index INTEGER, _file_sha256 VARCHAR, _file_name VARCHAR)")
    insert_file_list(con, "_files", [(i, f.sha256, f.name) for i, f in read])


def _drop_batch_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the batch's temp views and tables (the names all start with '_')."""
    for kind, name in con.execute(
        "SELECT 'VIEW', view_name FROM duckdb_views() WHERE temporary AND starts_with(view_name, '_') "
        "UNION ALL SELECT 'TABLE', table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_')"
    ).fetchall():
        con.execute(f"DROP {kind} IF EXISTS {identifier(name)}")
