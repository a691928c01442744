"""The interface every reader implements, and what several of them share.

A reader puts a batch's records into temp relations of text, one row per record: its
`_file_index` (the file's place in the batch), `_row_number` (its line, or its item in an
API response), one VARCHAR per column of the source, `_raw` (the record's text when it
could not be split into the columns) and `_parse_error` (why not). Typing and judging
come after, the same for every format (see `judge`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from pipelines.lib.landing import LandedFile
from pipelines.lib.loading.report import FileOutcome
from pipelines.lib.loading.spec import SourceSpec

IndexedFile = tuple[int, LandedFile]


class FileRejected(Exception):
    """The file as a whole cannot be read as this source; the message says why."""


@dataclass
class BatchRead:
    """What a reader read: the files whose records it landed, the files it rejected whole."""

    read: list[IndexedFile] = field(default_factory=list)
    rejected: list[tuple[int, FileOutcome]] = field(default_factory=list)
    # One SELECT per relation of landed rows, each with `_file_index`: unioned into `_landed`.
    relations: list[str] = field(default_factory=list)
    # The rows are read from the files again when judged (a view over DuckDB's JSON reader),
    # so judging may fail on what only their text can describe: then read them as text.
    judged_from_files: bool = False

    def reject(self, index: int, file: LandedFile, reason: str) -> None:
        self.rejected.append((index, FileOutcome(file, "rejected", detail=reason)))

    def extend(self, other: BatchRead) -> None:
        self.read = sorted([*self.read, *other.read], key=lambda item: item[0])
        self.rejected = sorted([*self.rejected, *other.rejected], key=lambda item: item[0])
        self.relations += other.relations
        self.judged_from_files = self.judged_from_files or other.judged_from_files


class Reader(ABC):
    """Reads files of one format (or, for API responses, one shape) for one source."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
        self.con = con
        self.spec = spec

    @abstractmethod
    def read_batch(self, files: Sequence[IndexedFile]) -> BatchRead:
        """Land the records of `files`; reject (with the reason) those that cannot be read at all."""


class FileReader(Reader):
    """A reader that takes each file on its own, into a temp relation `_landed_<index>`."""

    def read_batch(self, files: Sequence[IndexedFile]) -> BatchRead:
        batch = BatchRead()
        for index, file in files:
            try:
                self.read_file(file, f"_landed_{index}")
            except FileRejected as why:
                batch.reject(index, file, str(why))
                continue
            batch.read.append((index, file))
            batch.relations.append(f"SELECT {index} AS _file_index, * FROM _landed_{index}")
        return batch

    @abstractmethod
    def read_file(self, file: LandedFile, table: str) -> None:
        """Read one file into `table` (`_row_number`, the columns, `_raw`, `_parse_error`), or raise FileRejected."""


def numbered_lines(path: str) -> str:
    """SQL for a file's lines as `line` (1-based, blank lines counted) and `text`, split at LF or CR."""
    return (
        f"SELECT row_number() OVER () AS line, text FROM read_csv({path}, columns = {{'text': 'VARCHAR'}}, "
        "header = false, delim = '\x01', quote = '', escape = '', auto_detect = false, strict_mode = false)"
    )
