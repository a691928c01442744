"""The interface every reader implements, and what several of them share.

A reader puts a batch's records into temp relations of text, one row per record: its
`_file_index` (the file's place in the batch), `_row_number` (its line, or its item in an
API response), one VARCHAR per column of the source, `_raw` (the record's text when it
could not be split into the columns) and `_parse_error` (why not). Typing and judging
come after, the same for every format (see `judge`).
"""

from __future__ import annotations

import difflib
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
    # Per file read (by index): what a person should know although the file loaded, such as
    # schema drift (`drift_warning`); it is the file's `detail` in meta.loads.
    warnings: dict[int, str] = field(default_factory=dict)

    def reject(self, index: int, file: LandedFile, reason: str) -> None:
        self.rejected.append((index, FileOutcome(file, "rejected", detail=reason)))

    def extend(self, other: BatchRead) -> None:
        self.read = sorted([*self.read, *other.read], key=lambda item: item[0])
        self.rejected = sorted([*self.rejected, *other.rejected], key=lambda item: item[0])
        self.relations += other.relations
        self.judged_from_files = self.judged_from_files or other.judged_from_files
        self.warnings.update(other.warnings)


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
                warning = self.read_file(file, f"_landed_{index}")
            except FileRejected as why:
                batch.reject(index, file, str(why))
                continue
            batch.read.append((index, file))
            batch.relations.append(f"SELECT {index} AS _file_index, * FROM _landed_{index}")
            if warning is not None:
                batch.warnings[index] = warning
        return batch

    @abstractmethod
    def read_file(self, file: LandedFile, table: str) -> str | None:
        """Read one file into `table` (`_row_number`, the columns, `_raw`, `_parse_error`), or raise FileRejected.

        Returns a warning about the file read (schema drift), or None.
        """


# The longest line DuckDB's line readers are given room for: a CSV record, a JSON line (a huge
# field is read whole); a file with a longer line is rejected, saying so. Their read buffer is
# as large (a buffer must hold a line; one sized from this limit by default is 16 times larger).
MAX_LINE_BYTES = 16 << 20
# What a line that is not UTF-8 most likely is, in every reason that says so.
NOT_UTF8 = "bytes UTF-8 does not allow (Latin-1 or Windows-1252 text?)"
NOT_UTF8_LINE = f"the line is not UTF-8 text: it has {NOT_UTF8}"


def not_utf8(file: LandedFile, fmt: str) -> None:
    """Reject `file` (FileRejected) when it cannot be read as UTF-8 text in the format `fmt`.

    DuckDB reads UTF-8 only: on other bytes its JSON readers fail, for a whole batch of API
    responses at once, and its CSV reader may take a garbled header. UTF-16 and binary files
    (a NUL byte) are refused in every format; a JSON document must be UTF-8 throughout. A
    CSV's data lines, JSON Lines and Blender logs (parsed as bytes) keep their other lines:
    a line that is not UTF-8 is quarantined on its own (a CSV's or JSON Lines') or read as
    bytes (a log's, where a crash may leave NULs at the end), so only the header, or the first
    line of a log (Blender's own), must be UTF-8 text.
    """
    if file.bom in ("UTF-16", "UTF-32"):
        raise FileRejected(
            f"the file is {file.bom} text (it starts with a {file.bom} byte-order mark): send it as UTF-8"
        )
    whole = fmt in ("json", "document")
    if file.nul_line is not None and (whole or file.nul_line == 1):
        raise FileRejected(
            f"line {file.nul_line} holds a NUL byte: the file is binary, or UTF-16 text without a byte-order mark, "
            "not UTF-8 text"
        )
    if file.not_utf8_line is not None and (whole or (fmt in ("csv", "records") and file.not_utf8_line == 1)):
        raise FileRejected(f"the file is not UTF-8 text: line {file.not_utf8_line} has {NOT_UTF8}; send it as UTF-8")


def drift_warning(
    spec: SourceSpec, ignored: Sequence[tuple[str, str | None]], unmatched: Sequence[str], absent: Sequence[str] = ()
) -> str | None:
    """The warning for a file whose columns are not the source's, or None: schema drift.

    `ignored`: what the file has that the source does not read (header names, JSON keys), as
    (wording, name to match); `unmatched`: the source's names the file does not have, so a
    renamed one is pointed out; `absent`: required columns no record has though it loads.
    Such a file loads (an optional column that is absent is unknown), so nothing stops it: the
    warning goes with it to meta.loads and `backlot status`, so a producer's change of format
    is noticed rather than its data dropped without a word.
    """
    parts = []
    if ignored:
        worded = []
        for wording, name in ignored:
            renamed = renamed_from(name, unmatched) if name else None
            worded.append(f"{wording} (renamed {renamed}?)" if renamed else wording)
        parts.append(f"ignored, not columns of {spec.name}: {', '.join(worded)}")
    if absent:
        parts.append(f"no record has {', '.join(absent)}, so each is unknown")
    return f"schema drift: {'; '.join(parts)}" if parts else None


def renamed_from(name: str, candidates: Sequence[str]) -> str | None:
    """The source's column that a file's `name` most likely renames, or None: a near spelling
    (`Genre`, `distrib`) or a part of it (`gross` of `gross_usd`, `budget`)."""
    by_key = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(by_key), n=1)
    if close:
        return by_key[close[0]]
    return next((c for key, c in by_key.items() if len(name) >= 3 and name.lower() in key), None)


def duckdb_reason(error: Exception, file: LandedFile | None = None) -> str:
    """DuckDB's message about a file it cannot read, for people: its first line, with the line size
    exceeded said plainly, and the file by its name, not its place in the landing queue."""
    lines = str(error).splitlines() or [type(error).__name__]
    if any(line.startswith("Maximum line size") for line in lines):
        return f"a line is longer than the {MAX_LINE_BYTES >> 20} MiB a line may be"
    return lines[0].replace(str(file.path), file.name) if file is not None else lines[0]


def numbered_lines(path: str) -> str:
    """SQL for a file's lines as `line` (1-based, blank lines counted) and `text`, split at LF or CR."""
    return (
        f"SELECT row_number() OVER () AS line, text FROM read_csv({path}, columns = {{'text': 'VARCHAR'}}, "
        "header = false, delim = '\x01', quote = '', escape = '', auto_detect = false, strict_mode = false, "
        f"buffer_size = {MAX_LINE_BYTES}, max_line_size = {MAX_LINE_BYTES})"
    )
