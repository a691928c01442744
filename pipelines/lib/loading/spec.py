"""What a landing source is: its columns, formats and rules. Each source declares one `SourceSpec`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pipelines.lib import quality

ColumnKind = Literal["text", "number", "integer", "measure", "date", "timestamp", "boolean"]
SQL_TYPES: dict[ColumnKind, str] = {
    "text": "VARCHAR",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "measure": "DOUBLE",  # a number with an optional unit: `45 %`, `1139 MiB`, `404.99 W`
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
    "boolean": "BOOLEAN",
}
# Where every raw row came from; `_loaded_at` is added when it is committed.
LINEAGE = ("_file_sha256", "_file_name", "_row_number")


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    required: bool = False  # the file's header must name it
    default: str | None = None  # SQL literal used when the cell is empty or the column absent
    aliases: tuple[str, ...] = ()  # other header names for it (compared lower-case, units stripped)
    path: str | None = None  # JSON path in a record: `$.key.key`, keys plain or quoted (default `$."<name>"`)
    # A measure's unit as the producer prints it (nvidia-smi's `MiB`): a value, or a header's
    # `[unit]`, in another unit (`80 GiB`) is not read as a number in this one.
    unit: str | None = None

    def __post_init__(self) -> None:
        _ = self.json_keys  # a path that is not one of object keys fails where the source is defined

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]

    @property
    def json_keys(self) -> tuple[str, ...]:
        """The keys leading to the value in a JSON record: `$.snippet.title` -> ("snippet", "title")."""
        if self.path is None:
            return (self.name,)
        keys = re.findall(r'\.(?:"([^"]+)"|([A-Za-z0-9_]+))', self.path)
        if not keys or "$" + "".join(f'."{q}"' if q else f".{k}" for q, k in keys) != self.path:
            raise ValueError(f"column {self.name}: {self.path!r} is not a path of object keys such as $.snippet.title")
        return tuple(q or k for q, k in keys)


@dataclass(frozen=True)
class RowRule:
    """A source's own rule beyond its suite: SQL over the typed row's columns that is true when broken.

    The SQL may read other lake tables by their schema (`raw.films`) and the chart macros
    (`title_key`, `slug`); `reason` is a SQL text expression.
    """

    broken: str
    reason: str
    # The only columns it reads, when it reads no others: then it is evaluated once per
    # distinct combination of them instead of once per row (a regex over millions of rows
    # of a few thousand titles runs a few thousand times).
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlreadyLoaded:
    """A record whose `key` is already in the source's raw table is a duplicate; `reason` (SQL text) says so."""

    key: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class JsonDocument:
    """Files that each hold one API response (one JSON document) with a list of records in it.

    A response is observed at one moment: the `fetched_at` of an envelope
    `{"fetched_at": ..., "response": {...}}`, else the `_<YYYYMMDDTHHMMSSZ>.json` stamp in
    the file name; the reader puts it in the column `observed_at`. The SQL here sees `_body`:
    the response without its records (so each test parses a few bytes, not the whole
    document), `_file_name` and, in `reject`, the `fields` by name. A file is loaded whole or
    rejected whole: a body of the wrong kind is never half-loaded.
    """

    records: str  # JSON path in the response to the array of records, e.g. `$.items`
    fields: Mapping[str, str]  # column -> SQL taken from the response, not the record
    reject: str  # SQL: why the whole response cannot be loaded (an error body, another kind), or NULL

    @property
    def body_paths(self) -> list[tuple[str, ...]] | None:
        """The object keys down to each value the fields and `reject` read from `_body`; None if not all are such.

        Only `_body ->> '$.key...'` reads are understood (they take a JSON null as absent, so
        they read the same from any copy of the body that keeps its non-null values); any other
        use of `_body` means the body must be the response itself (see readers.documents).
        """
        sql = " ".join([self.reject, *self.fields.values()])
        reads = re.findall(r"_body\s*->>\s*'\$((?:\.[A-Za-z0-9_]+)+)[^']*'", sql)
        if len(reads) != sql.count("_body"):
            return None
        return [tuple(path.removeprefix(".").split(".")) for path in reads]

    @property
    def column_names(self) -> list[str]:
        """The columns the response gives every one of its records: `observed_at` and the fields."""
        return ["observed_at", *self.fields]

    @property
    def records_keys(self) -> tuple[str, ...]:
        return tuple(self.records.removeprefix("$.").split("."))

    @property
    def without_records(self) -> str:
        """A JSON merge patch deleting the records: `$.data.children` -> `{"data": {"children": null}}`."""
        patch = "null"
        for key in reversed(self.records_keys):
            patch = f'{{"{key}": {patch}}}'
        return patch


@dataclass(frozen=True)
class FileNaming:
    """What the loader reads from a source's file names: such a file must be named, and named this way.

    A delivery without a name (the ingest API names bodies by their content) cannot be
    loaded as this source, and one with a name the loader cannot read is refused up front.
    """

    pattern: str  # the form, for people: `<worker>__<anything>.csv`
    check: Callable[[str], object]  # raises ValueError, saying why, for a name the loader cannot use


@dataclass(frozen=True)
class SourceSpec:
    name: str
    columns: tuple[Column, ...]
    formats: tuple[str, ...] = ("csv",)
    # column -> SQL over the typed columns and `_file_name`, applied after typing
    derived: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[RowRule | AlreadyLoaded, ...] = ()
    # Sources its rules read, by name (loaded first in a run). Names, not specs: a domain
    # never imports another; the film catalog is everyone's dependency.
    depends_on: tuple[str, ...] = ()
    no_header_reason: str = "the first line is not a header naming the columns"
    # For formats DuckDB cannot read (e.g. Blender logs): records of column -> value, each
    # with its `_row_number`; a ValueError rejects the whole file with its message.
    record_reader: Callable[[Path], Iterable[Mapping[str, object]]] | None = None
    # For API responses: one JSON document per file, its records read in one query per batch.
    document: JsonDocument | None = None
    # How often the source normally sends something; silence for longer is a freshness warning
    # (dbt's source freshness in dbt_project/models/staging/_sources.yml says the same). None:
    # no natural cadence.
    expected_every: timedelta | None = None
    # When the file name carries data the rows need (a worker, a job): how it must look.
    file_naming: FileNaming | None = None

    @property
    def record_label(self) -> str:
        """What `_row_number` counts, as quarantine messages name it."""
        return "item" if self.document is not None else "line"

    @property
    def suite(self) -> quality.Suite:
        return quality.load_suite("raw", self.name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def raw_ddl(self) -> str:
        cols = ", ".join(f'"{c.name}" {c.sql_type}' for c in self.columns)
        return (
            f"CREATE TABLE IF NOT EXISTS raw.{self.name} ({cols}, _file_sha256 VARCHAR, "
            "_file_name VARCHAR, _row_number BIGINT, _loaded_at TIMESTAMPTZ)"
        )

    def quarantine_ddl(self) -> str:
        cols = ", ".join(f'"{c.name}" VARCHAR' for c in self.columns)
        return (
            f"CREATE TABLE IF NOT EXISTS quarantine.{self.name} ({cols}, _raw VARCHAR, _reason VARCHAR, "
            "_file_sha256 VARCHAR, _file_name VARCHAR, _row_number BIGINT, _quarantined_at TIMESTAMPTZ)"
        )
