"""Readers: one per format, behind one interface (`base.Reader`), chosen per file or per source.

| format | reader |
|---|---|
| CSV | `csv.CsvReader` |
| JSON Lines (`.jsonl`, `.ndjson`) | `json_lines.JsonLinesReader` |
| a JSON array (`.json`) | `json_array.JsonArrayReader` |
| API responses (a source with a `JsonDocument`) | `documents.DocumentReader` |
| anything else a source parses itself (Blender logs) | `python_records.PythonRecordReader` |
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from pipelines.lib.landing import LandedFile
from pipelines.lib.loading.readers.base import BatchRead, FileReader, FileRejected, IndexedFile, Reader, not_utf8
from pipelines.lib.loading.readers.csv import CsvReader
from pipelines.lib.loading.readers.documents import DocumentReader
from pipelines.lib.loading.readers.json_array import JsonArrayReader
from pipelines.lib.loading.readers.json_lines import JsonLinesReader
from pipelines.lib.loading.readers.python_records import PythonRecordReader
from pipelines.lib.loading.spec import SourceSpec

__all__ = ["BatchRead", "FileRejected", "name_format", "read_batch"]

FILE_READERS: dict[str, type[FileReader]] = {"csv": CsvReader, "jsonl": JsonLinesReader, "json": JsonArrayReader}


def name_format(name: str) -> str:
    """The format a file is read as, by its name: `.jsonl`/`.ndjson` JSON Lines, `.json` one JSON document, else CSV."""
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    return "csv"


def detect_format(file: LandedFile, formats: Sequence[str]) -> str:
    """The file's format by its name (`name_format`), if the source accepts it."""
    fmt = name_format(file.name)
    if fmt not in formats:
        raise FileRejected(f"{fmt.upper()} is not an accepted format for this source (accepted: {', '.join(formats)})")
    return fmt


def read_batch(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, files: Sequence[LandedFile], *, as_text: bool = False
) -> BatchRead:
    """Read a batch into the temp view `_landed` (rows with `_file_index`, the file's place in `files`).

    `as_text`: read API responses from their text, because judging what DuckDB's JSON reader
    gave them failed (see `BatchRead.judged_from_files`).
    """
    batch = BatchRead()
    by_reader: dict[str, list[IndexedFile]] = {}
    for index, file in enumerate(files):
        if file.size == 0:
            batch.reject(index, file, "the file is empty")
            continue
        try:
            if spec.document is not None or spec.record_reader is not None:
                fmt, reader = ("document" if spec.document is not None else "records"), "source"
            else:
                fmt = reader = detect_format(file, spec.formats)
            not_utf8(file, fmt)
        except FileRejected as why:
            batch.reject(index, file, str(why))
            continue
        by_reader.setdefault(reader, []).append((index, file))
    for name, indexed in by_reader.items():
        batch.extend(_reader(con, spec, name, as_text=as_text).read_batch(indexed))
    if batch.relations:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _landed AS {' UNION ALL '.join(batch.relations)}")
    return batch


def _reader(con: duckdb.DuckDBPyConnection, spec: SourceSpec, name: str, *, as_text: bool) -> Reader:
    if spec.document is not None:
        return DocumentReader(con, spec, as_text=as_text)
    if spec.record_reader is not None:
        return PythonRecordReader(con, spec)
    return FILE_READERS[name](con, spec)
