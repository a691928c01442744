"""Load landed files into `raw`, sending every row that cannot be trusted to `quarantine`.

One batch (all pending files of a source) is one pass through DuckDB:

1. read   each file with DuckDB's own readers into text columns, one row per record,
          with its line number (structurally broken lines come back from `store_rejects`);
2. type   every column with the chart-number / date / boolean parsers below;
3. judge  each row: parse errors, the suite's row-level expectations (pushed down to SQL),
          the source's own rules (e.g. unknown film), duplicates within a file;
4. check  the rows that would be loaded with the source's suite (DuckDB on all rows, GX);
5. commit raw + quarantine + meta.loads in one DuckLake transaction, or nothing at all.

So for every file: rows in raw + rows in quarantine = records in the file.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb

from pipelines.lakehouse import LAKE
from pipelines.lib import landing, quality
from pipelines.lib.landing import LandedFile

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
LINEAGE = ("_file_sha256", "_file_name", "_row_number")
WHOLE_FILE_MAX_CHARS = 1 << 20  # a rejected file's text kept in quarantine; the file itself is archived
# JSON Lines are read by DuckDB's JSON reader when that provably gives what reading line by line gives;
# the line reader refuses lines of 2,000,000 bytes or more, so files with lines anywhere near that are left
# to it. Above the landing scan's chunk: its bound on the longest line is never less than a chunk.
JSON_LINES_FAST_MAX_LINE = 1_500_000

# How public charts print numbers and "unknown" (CONTRACTS.md §4): `$1,234,567`, `4,539`,
# `+15.2%`; `-`, `n/c`, `N/A` and empty are unknown, never zero.
MACROS = r"""
-- CASE, so the regex runs only on bracketed cells and the list only on short ones that could
-- be a marker: trimmed, every marker is empty or starts with '-', '—', '–' or 'n', so a cell
-- starting with any other printable ASCII character is not one (lower(trim()) copies the
-- cell: 2x slower over short names). list_contains, not IN: DuckDB plans a constant IN-list
-- as a join, once per use per row.
CREATE OR REPLACE TEMP MACRO chart_unknown(s) AS
    CASE WHEN s IS NULL THEN true WHEN contains(s, '[') THEN regexp_full_match(s, '\s*\[.*\]\s*')
         WHEN length(s) > 6 THEN false
         WHEN ascii(s) BETWEEN 33 AND 127 AND ascii(s) NOT IN (45, 78, 110) THEN false
         ELSE list_contains(['', '-', '--', '—', '–', 'n/c', 'n/a', 'na', 'null', 'none'], lower(trim(s))) END;
-- A text cell: unknown markers become NULL and surrounding spaces go. trim() copies every
-- value, and takes Unicode spaces (no-break, em ...) as well as ' '; a plain-ASCII cell
-- without a space at either end, as most are, is already trimmed and passes as it is
-- (1.5x faster over eight text columns).
CREATE OR REPLACE TEMP MACRO chart_text(s) AS
    CASE WHEN chart_unknown(s) THEN NULL
         WHEN strlen(s) = length(s) AND NOT starts_with(s, ' ') AND NOT ends_with(s, ' ') THEN s
         ELSE trim(s) END;
-- NaN, inf and overflowing literals are not numbers a chart prints.
CREATE OR REPLACE TEMP MACRO nullif_nonfinite(x) AS CASE WHEN isfinite(x) THEN x END;
-- Unknown markers fail the cast and come out NULL, so no chart_unknown() here. `$` and `,`
-- are removed from the cells that have them: replace() copies every cell it is given, so
-- plain numbers, as APIs and farm events send them, cast 2.6x faster without it, and chart
-- cells, nearly all with one, pay 10% for the look. Only a cell that still does not cast is
-- looked at for `%` or spaces (a cast that fails costs as much as one that succeeds).
CREATE OR REPLACE TEMP MACRO chart_number(s) AS
    nullif_nonfinite(coalesce(CASE WHEN contains(s, '$') OR contains(s, ',')
                                   THEN TRY_CAST(replace(replace(s, '$', ''), ',', '') AS DOUBLE)
                                   ELSE TRY_CAST(s AS DOUBLE) END,
                              CASE WHEN contains(s, '%') OR contains(s, ' ')
                                   THEN TRY_CAST(translate(s, '$,% ', '') AS DOUBLE) END));
-- nvidia-smi prints units after numbers (`45 %`, `1139 MiB`); its unknowns are bracketed.
CREATE OR REPLACE TEMP MACRO measure_number(s) AS
    nullif_nonfinite(coalesce(TRY_CAST(s AS DOUBLE), TRY_CAST(
        regexp_extract(s, '^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*[A-Za-z%/]*\s*$', 1) AS DOUBLE)));
-- The casts skip surrounding spaces themselves; the patterns do too, rather than trim()
-- copying every value first (2x faster). They keep out what the casts also accept:
-- `epoch`, `infinity`, `2026-6-1`, `2026-12-3?`. A GLOB takes the unpadded cells, as most
-- are, at a third of a regex's cost; only the others meet the regex.
CREATE OR REPLACE TEMP MACRO iso_date(s) AS
    CASE WHEN s GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' OR regexp_full_match(s, ' *\d{4}-\d{2}-\d{2} *')
         THEN TRY_CAST(s AS DATE) END;
CREATE OR REPLACE TEMP MACRO iso_timestamp(s) AS
    -- ISO 8601, or nvidia-smi's `2026/11/24 23:57:28.661` (UTC)
    CASE WHEN s GLOB '[0-9][0-9][0-9][0-9][-/][0-9][0-9][-/][0-9][0-9]*'
              OR regexp_matches(s, '^ *\d{4}[-/]\d{2}[-/]\d{2}')
         THEN TRY_CAST(s AS TIMESTAMPTZ) END;
-- DuckDB's own cast accepts exactly true/t/yes/y/1 and false/f/no/n/0, in any case.
CREATE OR REPLACE TEMP MACRO chart_boolean(s) AS coalesce(TRY_CAST(s AS BOOLEAN), TRY_CAST(trim(s) AS BOOLEAN));
CREATE OR REPLACE TEMP MACRO title_key(s) AS regexp_replace(lower(s), '[^a-z0-9]+', '', 'g');
CREATE OR REPLACE TEMP MACRO slug(s) AS trim(regexp_replace(lower(s), '[^a-z0-9]+', '-', 'g'), '-');
"""


# An API response's observation time when it is not in an envelope: the file name's stamp.
STAMPED_TIME = (
    r"strftime(try_strptime(regexp_extract(_file_name, '_(\d{8}T\d{6}Z)\.json$', 1), '%Y%m%dT%H%M%SZ'), "
    "'%Y-%m-%dT%H:%M:%SZ')"
)
NO_OBSERVATION_TIME = (
    'no observation time: wrap the body as {"fetched_at": "<ISO time>", "response": {...}} '
    "or name the file *_<YYYYMMDDTHHMMSSZ>.json"
)


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    required: bool = False  # the file's header must name it
    default: str | None = None  # SQL literal used when the cell is empty or the column absent
    aliases: tuple[str, ...] = ()  # other header names for it (compared lower-case, units stripped)
    path: str | None = None  # JSON path in a record: `$.key.key`, keys plain or quoted (default `$."<name>"`)

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
    """A source's own rule beyond its suite: SQL over the typed row that is true when broken."""

    broken: str
    reason: str  # SQL text expression
    # The only columns it reads, when it reads no others: then it is evaluated once per
    # distinct combination of them instead of once per row (a regex over 10M titles is
    # 1.5 s; over the batch's 4,000 distinct titles, nothing).
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class JsonDocument:
    """Files that each hold one API response (one JSON document) with a list of records in it.

    A response is observed at one moment (CONTRACTS.md §4): the `fetched_at` of an envelope
    `{"fetched_at": ..., "response": {...}}`, else the `_<YYYYMMDDTHHMMSSZ>.json` stamp in
    the file name; the reader puts it in the column `observed_at`. The SQL here sees `_body`:
    the response without its records (so each test parses a few bytes, not the whole
    document), `_file_name` and, in `reject`, the `fields` by name. A file is loaded whole or
    rejected whole: a body of the wrong kind is never half-loaded.
    """

    records: str  # JSON path in the response to the array of records, e.g. `$.items`
    fields: tuple[tuple[str, str], ...]  # (column, SQL) taken from the response, not the record
    reject: str  # SQL: why the whole response cannot be loaded (an error body, another kind), or NULL

    @property
    def body_paths(self) -> list[tuple[str, ...]] | None:
        """The object keys down to each value the fields and `reject` read from `_body`; None if not all are such.

        Only `_body ->> '$.key...'` reads are understood (they take a JSON null as absent, so
        they read the same from any copy of the body that keeps its non-null values); any other
        use of `_body` means the body must be the response itself (see `read_documents`).
        """
        sql = " ".join([self.reject, *(expression for _, expression in self.fields)])
        reads = re.findall(r"_body\s*->>\s*'\$((?:\.[A-Za-z0-9_]+)+)[^']*'", sql)
        if len(reads) != sql.count("_body"):
            return None
        return [tuple(path.removeprefix(".").split(".")) for path in reads]

    @property
    def column_names(self) -> list[str]:
        """The columns the response gives every one of its records: `observed_at` and the fields."""
        return ["observed_at", *(name for name, _ in self.fields)]

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
class SourceSpec:
    name: str
    columns: tuple[Column, ...]
    formats: tuple[str, ...] = ("csv",)
    # (column, SQL over typed columns and `_file_name`) applied after typing
    derived: tuple[tuple[str, str], ...] = ()
    rules: tuple[RowRule, ...] = ()
    # Sources its rules read, by name (loaded first in a run). Names, not specs: a domain
    # never imports another (STYLE.md); the film catalog is everyone's dependency.
    depends_on: tuple[str, ...] = ()
    no_header_reason: str = "the first line is not a header naming the columns"
    # For formats DuckDB cannot read (e.g. Blender logs): records of column -> value, each
    # with its `_row_number`; a ValueError rejects the whole file with its message.
    record_reader: Callable[[Path], Iterable[Mapping[str, object]]] | None = None
    # For API responses: one JSON document per file, its records read in one query per batch.
    document: JsonDocument | None = None

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


@dataclass
class FileOutcome:
    file: LandedFile
    status: Literal["loaded", "duplicate", "rejected"]
    rows_loaded: int = 0
    rows_quarantined: int = 0
    detail: str | None = None


@dataclass
class LoadReport:
    source: str
    run_id: str
    files: list[FileOutcome] = field(default_factory=list)
    quality: quality.SuiteResult | None = None
    committed: bool = False
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    sample_reasons: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


class FileRejected(Exception):
    """The file as a whole cannot be read as this source; the message says why."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _json_shape(columns: Sequence[Column]) -> dict[str, Any]:
    """The columns' JSON keys as a tree of objects with `"VARCHAR"` leaves: `json_transform`'s shape."""
    shape: dict[str, Any] = {}
    for column in columns:
        *parents, leaf = column.json_keys
        node = shape
        for key in parents:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ValueError(f"column {column.name}: {column.path} runs through another column's value")
        if leaf in node:
            raise ValueError(f"column {column.name}: its path is another column's, or leads into one")
        node[leaf] = "VARCHAR"
    return shape


def _json_values(record: str, columns: Sequence[Column]) -> tuple[str, dict[str, str]]:
    """SQL for the columns' values (as text) in the JSON `record`: one expression, and per column its part.

    One `json_transform` to a struct of VARCHARs: a value is read as `json_extract_string`
    reads it (a string's content, other JSON as its text, null or absent as NULL; keys
    matched exactly, the first of repeated keys), but parsing the record once for all
    columns is 1.7x faster than extracting a list of paths.
    """
    shape = _json_shape(columns)
    parts = {c.name: _struct_field("_values", c.json_keys) for c in columns}
    return f"json_transform({record}, {_text(json.dumps(shape))})", parts


def _struct_field(struct: str, keys: Sequence[str]) -> str:
    """SQL for the field down `keys` in the STRUCT `struct`: `_values['snippet']['title']`."""
    return struct + "".join(f"[{_text(key)}]" for key in keys)


def _json_type(node: str | dict[str, Any]) -> str:
    """DuckDB's type for a `_json_shape` node: `VARCHAR`, or `STRUCT("title" VARCHAR, ...)` for an object."""
    if isinstance(node, str):
        return node
    return "STRUCT(" + ", ".join(f"{_quote(key)} {_json_type(child)}" for key, child in node.items()) + ")"


def _read_json_columns(shape: dict[str, Any]) -> str:
    """`read_json`'s `columns` argument for a `_json_shape`-like tree: one column per top-level key."""
    return "{" + ", ".join(f"{_text(key)}: {_text(_json_type(node))}" for key, node in shape.items()) + "}"


def _read_json_field(keys: Sequence[str]) -> str:
    """SQL for the value down `keys` in `read_json`'s columns: `"snippet"['title']`."""
    return _struct_field(_quote(keys[0]), keys[1:])


JSON_LEAF = "JSON"


def _document_columns(document: JsonDocument, item_shape: dict[str, Any]) -> dict[str, Any] | None:
    """`read_json`'s columns for a response, enveloped or not; None when they could not give what its text gives.

    A body is a tree of the keys its SQL reads (each read ends in a JSON leaf at the first
    key off the records' path) and the records, a list of item STRUCTs; the envelope adds
    `fetched_at` and the body again under `response`. None when the SQL reads the body some
    other way, reads the records or what holds them, or reads a key named as the envelope's.
    """
    paths = document.body_paths
    if paths is None:
        return None
    records = _json_type(item_shape) + "[]"
    body: dict[str, Any] = {}
    node = body
    for key in document.records_keys[:-1]:
        node = node.setdefault(key, {})
    node[document.records_keys[-1]] = records
    for path in paths:
        node = body
        for depth, key in enumerate(path):
            child = node.get(key, JSON_LEAF)
            if child == records or (isinstance(child, dict) and depth == len(path) - 1):
                return None
            if not isinstance(child, dict):
                node[key] = JSON_LEAF
                break
            node = child
    if {"fetched_at", "response", "filename"} & body.keys():  # the envelope's keys; the reader's file name
        return None
    return {"fetched_at": JSON_LEAF, "response": body, **body}


def _json_object_sql(node: dict[str, Any], value: Callable[[str], str]) -> str:
    """SQL for the JSON text of a body read by `_document_columns`, without its records: its present values only."""
    members = []
    for key, child in node.items():
        at = value(key)
        if isinstance(child, dict):
            text = _json_object_sql(child, lambda k, parent=at: _struct_field(parent, [k]))  # type: ignore[misc]
        elif child == JSON_LEAF:
            text = f"CAST({at} AS VARCHAR)"
        else:
            continue  # the records
        members.append(f"CASE WHEN {at} IS NOT NULL THEN {_text(json.dumps(key) + ':')} || {text} END")
    if not members:
        return "'{}'"
    return "'{' || concat_ws(',', " + ", ".join(members) + ") || '}'"


def detect_format(file: LandedFile, formats: Sequence[str]) -> str:
    suffix = file.path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        fmt = "jsonl"
    elif suffix == ".json":
        fmt = "json"  # one JSON document; JSON Lines files are named .jsonl or .ndjson
    else:
        fmt = "csv"
    if fmt not in formats:
        raise FileRejected(f"{fmt.upper()} is not an accepted format for this source (accepted: {', '.join(formats)})")
    return fmt


def _numbered_lines(path: str) -> str:
    """SQL for a file's lines as `line` (1-based, blank lines counted) and `text`, split at LF or CR."""
    return (
        f"SELECT row_number() OVER () AS line, text FROM read_csv({path}, columns = {{'text': 'VARCHAR'}}, "
        "header = false, delim = '\x01', quote = '', escape = '', auto_detect = false, strict_mode = false)"
    )


def _header_key(name: str) -> str:
    """`" utilization.gpu [%]"` -> `"utilization.gpu"`: case, spaces and a unit suffix do not matter."""
    return re.sub(r"\s*\[[^\]]*\]$", "", name.strip()).strip().lower()


def _match_header(spec: SourceSpec, header: list[str]) -> dict[str, str]:
    """Spec column name -> the file's header name, by name or alias, in any order."""
    by_key = {_header_key(h): h for h in header}
    found = {}
    for column in spec.columns:
        for candidate in (column.name, *column.aliases):
            if candidate.lower() in by_key:
                found[column.name] = by_key[candidate.lower()]
                break
    return found


class _Reader:
    """Reads one file into a temp table of text columns: _row_number, <columns>, _raw, _parse_error."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
        self.con = con
        self.spec = spec
        # API responses: `_landed` reads them from their files when it is judged (a view over
        # DuckDB's JSON reader), so judging may fail on what only their text can describe.
        self.judged_from_files = False
        self._as_text = False

    def read_batch_as_text(self, files: Sequence[LandedFile]) -> tuple[list[tuple[int, LandedFile]], list[FileOutcome]]:
        """`read_batch` again, API responses from their text: judging what DuckDB's JSON reader gave failed."""
        self.con.execute("DROP VIEW IF EXISTS _landed_documents")
        self.judged_from_files, self._as_text = False, True
        return self.read_batch(files)

    def read_batch(self, files: Sequence[LandedFile]) -> tuple[list[tuple[int, LandedFile]], list[FileOutcome]]:
        """Read a batch into the view `_landed` (with `_file_index`); return the (index, file)s read and the rejected.

        API responses are read all at once; other files one by one, each into its own table.
        """
        rejected: list[FileOutcome] = []
        if self.spec.document is not None:
            readable = []
            for index, file in enumerate(files):
                if file.size == 0:
                    rejected.append(FileOutcome(file, "rejected", detail="the file is empty"))
                elif file.path.suffix.lower() != ".json":
                    rejected.append(
                        FileOutcome(file, "rejected", detail="expected a .json file holding one API response")
                    )
                else:
                    readable.append((index, file))
            why_not = self.read_documents(readable, "_landed_documents") if readable else {}
            rejected += [FileOutcome(f, "rejected", detail=why_not[i]) for i, f in readable if i in why_not]
            loaded = [(index, file) for index, file in readable if index not in why_not]
            landed = ["SELECT * FROM _landed_documents"] if loaded else []
        else:
            loaded, landed = [], []
            for index, file in enumerate(files):
                try:
                    self.read(file, f"_landed_{index}")
                except FileRejected as why:
                    rejected.append(FileOutcome(file, "rejected", detail=str(why)))
                    continue
                landed.append(f"SELECT {index} AS _file_index, * FROM _landed_{index}")
                loaded.append((index, file))
        if landed:
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW _landed AS {' UNION ALL '.join(landed)}")
        return loaded, rejected

    def read(self, file: LandedFile, table: str) -> None:
        if file.size == 0:
            raise FileRejected("the file is empty")
        if self.spec.record_reader is not None:
            self._read_records(file, table)
            return
        fmt = detect_format(file, self.spec.formats)
        path = _text(str(file.path))
        if fmt == "csv":
            self._read_csv(file, path, table)
        elif fmt == "jsonl":
            if self._read_json_lines_fast(file, table):
                return
            # Line by line: every line is a record, whatever is wrong with it.
            self._read_json_records(
                f"SELECT line AS _row_number, text AS _record FROM ({_numbered_lines(path)})", table
            )
        else:
            valid = self.con.execute(
                f"SELECT json_valid(content), CASE WHEN json_valid(content) THEN json_type(content) END "
                f"FROM read_text({path})"
            ).fetchone()
            if not valid or not valid[0]:
                raise FileRejected(
                    "not valid JSON (truncated or malformed; JSON Lines must be named .jsonl); nothing in it was loaded"
                )
            if valid[1] != "ARRAY":
                raise FileRejected(f"expected a JSON array of records, found a JSON {str(valid[1]).lower()}")
            self._read_json_records(
                # a JSON null element stays a record (and is quarantined), it does not vanish
                "SELECT generate_subscripts(records, 1) AS _row_number, coalesce(unnest(records), 'null') AS _record "
                f"FROM (SELECT from_json(content, '[\"json\"]') AS records FROM read_text({path}))",
                table,
            )

    def _read_json_lines_fast(self, file: LandedFile, table: str) -> bool:
        """Read a JSON Lines file with DuckDB's JSON reader if that is the same as reading it line by line.

        Line by line, each line is parsed several times (4x slower at a million lines).
        `read_json` parses each once, in parallel, straight into the columns, reading each value
        as `json_transform` does. It fails on a line that is not JSON or not an object, on
        repeated keys and on a value where a column's path needs an object; but it skips blank
        lines, reads a `null` line as a record of nulls, trims VT and FF (which `json_valid`
        refuses), ends lines at a CR, and takes lines longer than the line reader does. So it
        is used only on files the landing scan found without CR, VT or FF and without long
        lines, and its rows are kept only if there are as many as lines (none was skipped)
        and none is all null: then the k-th row is line k. Otherwise (False) the file is read
        line by line, which says what is wrong with which line.
        """
        if file.odd_whitespace or file.longest_line >= JSON_LINES_FAST_MAX_LINE:
            return False
        shape = _json_shape(self.spec.columns)
        objects = f"{table}_objects"
        try:
            # With a 64 MB object limit (default 16 MB) this is 1.5x faster at millions of
            # lines; the limit bounds a buffer, not lines: long lines are kept out above.
            # `records = true`: left to detect it, a one-column reader that meets a line that is
            # not an object takes every line whole as the column's value.
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {objects} AS SELECT * FROM read_json({_text(str(file.path))}, "
                f"columns = {_read_json_columns(shape)}, format = 'newline_delimited', records = true, "
                "maximum_object_size = 67108864)"
            )
        except duckdb.Error:
            return False  # e.g. a line that is not JSON: the line reader quarantines it alone
        all_null = " AND ".join(f"{_quote(key)} IS NULL" for key in shape)
        counts = self.con.execute(f"SELECT count(*), count(*) FILTER (WHERE {all_null}) FROM {objects}").fetchone()
        if counts != (file.lines, 0):
            self.con.execute(f"DROP TABLE {objects}")
            return False
        values = ", ".join(f"{_read_json_field(c.json_keys)} AS {_quote(c.name)}" for c in self.spec.columns)
        # A table keeps the reader's (file) order, so rowid + 1 is the line.
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT rowid + 1 AS _row_number, {values}, "
            f"NULL::VARCHAR AS _raw, NULL::VARCHAR AS _parse_error FROM {objects}"
        )
        return True

    def _read_records(self, file: LandedFile, table: str) -> None:
        import pyarrow as pa

        assert self.spec.record_reader is not None
        names = [c.name for c in self.spec.columns]
        columns: dict[str, list[str | None]] = {name: [] for name in ["_row_number", *names]}
        try:
            for record in self.spec.record_reader(file.path):
                for name, values in columns.items():
                    value = record.get(name)
                    values.append(None if value is None else str(value))
        except ValueError as error:
            raise FileRejected(str(error)) from error
        arrow = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
        self.con.register("_records_arrow", arrow)
        try:
            cols = ", ".join(_quote(name) for name in names)
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT CAST(_row_number AS BIGINT) AS _row_number, "
                f"{cols}, NULL::VARCHAR AS _raw, NULL::VARCHAR AS _parse_error FROM _records_arrow"
            )
        finally:
            self.con.unregister("_records_arrow")

    def _read_csv(self, file: LandedFile, path: str, table: str) -> None:
        con = self.con
        csv, rejects = f"{table}_csv", f"{table}_rejects"
        # With 16 MB read buffers, reading ten million rows into the table is 30% faster than
        # with the default (3.4 s -> 2.4 s); bigger ones gain nothing more, small files lose nothing.
        options = (
            "header = true, all_varchar = true, ignore_errors = true, store_rejects = true, buffer_size = 16777216"
        )
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {csv} AS SELECT * FROM read_csv({path}, {options}, "
                f"rejects_table = '{rejects}', rejects_scan = '{table}_scans')"
            )
        except duckdb.Error as error:
            raise FileRejected(f"not readable as CSV: {str(error).splitlines()[0]}") from error
        header = [row[0] for row in con.execute(f"DESCRIBE {csv}").fetchall()]
        found = _match_header(self.spec, header)
        if not found:
            raise FileRejected(f"{self.spec.no_header_reason} (first line: {', '.join(header)[:200]})")
        missing = [c for c in self.spec.required if c not in found]
        if missing:
            raise FileRejected(
                f"the header lacks required column(s) {', '.join(missing)} (found: {', '.join(header) or 'none'})"
            )
        cols = ", ".join(
            f"{_quote(found[c.name])} AS {_quote(c.name)}" if c.name in found else f"NULL::VARCHAR AS {_quote(c.name)}"
            for c in self.spec.columns
        )
        counts = con.execute(
            f"SELECT (SELECT count(*) FROM {csv}), (SELECT count(DISTINCT line) FROM {rejects})"
        ).fetchone()
        accepted, rejected = counts if counts else (0, 0)
        lines = self._record_lines(file, path, rejects, accepted, rejected)
        if lines is None:
            # A table keeps the reader's (file) order, so rowid + 2 is the line: header = line 1.
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT rowid + 2 AS _row_number, {cols}, "
                f"NULL::VARCHAR AS _raw, NULL::VARCHAR AS _parse_error FROM {csv}"
            )
            return
        # The k-th accepted record is on the k-th of those lines.
        nulls = ", ".join(f"NULL AS {_quote(c.name)}" for c in self.spec.columns)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS "
            f"SELECT lines.line AS _row_number, {cols}, NULL::VARCHAR AS _raw, NULL::VARCHAR AS _parse_error "
            f"FROM {csv} JOIN (SELECT row_number() OVER (ORDER BY line) - 1 AS _k, line FROM ({lines})) lines "
            f"ON lines._k = {csv}.rowid "
            f"UNION ALL SELECT DISTINCT ON (line) line, {nulls}, csv_line, "
            "'the line could not be split into the header''s columns (' || error_message || ')' "
            f"FROM {rejects}"
        )

    def _record_lines(self, file: LandedFile, path: str, rejects: str, accepted: int, rejected: int) -> str | None:
        """SQL for the lines holding the accepted records, in order; None when they are simply lines 2, 3, ...

        DuckDB skips blank lines and reports rejected records by their line, so when the file
        has more lines than header + records, the records are matched to its non-blank lines.
        """
        # Each record on a line of its own, those DuckDB rejected left out.
        one_per_line = (
            f"SELECT range AS line FROM range(2, {accepted + rejected + 2}) EXCEPT SELECT line FROM {rejects}"
        )
        if file.lines == 1 + accepted + rejected:
            return one_per_line if rejected else None
        nonblank = (
            f"SELECT line FROM ({_numbered_lines(path)}) "
            f"WHERE line >= 2 AND coalesce(rtrim(text, chr(13)), '') <> '' EXCEPT SELECT line FROM {rejects}"
        )
        found = self.con.execute(f"SELECT count(*) FROM ({nonblank})").fetchone()
        # Quoted values spanning lines: then records are numbered as if each were one line.
        return nonblank if found and found[0] == accepted else one_per_line

    def _read_json_records(self, records_sql: str, table: str, *, from_document: Sequence[str] = ()) -> None:
        """Text columns from JSON records; `from_document` columns come from `records_sql` itself."""
        extracted = [c for c in self.spec.columns if c.name not in from_document]
        extract, parts = _json_values("_record", extracted)
        cols = ", ".join(
            f"CASE WHEN _ok THEN {_quote(c.name) if c.name in from_document else parts[c.name]} END AS {_quote(c.name)}"
            for c in self.spec.columns
        )
        leading = "_file_index, " if from_document else ""
        # Records cut from a parsed document are valid JSON already: no second validation.
        json_kind = (
            "json_type(_record)" if from_document else "CASE WHEN json_valid(_record) THEN json_type(_record) END"
        )
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS "
                f"SELECT {leading}_row_number, {cols}, CASE WHEN NOT _ok THEN _record END AS _raw, "
                "CASE WHEN _kind IS NULL THEN 'the record is not valid JSON' "
                "WHEN NOT _ok THEN 'the record is a JSON ' || lower(_kind) || ', not an object' "
                "END AS _parse_error FROM ("
                f"SELECT *, coalesce(_kind = 'OBJECT', false) AS _ok, "
                f"CASE WHEN _kind = 'OBJECT' THEN {extract} END AS _values FROM ("
                f"SELECT *, {json_kind} AS _kind FROM ({records_sql}) WHERE trim(_record) <> ''))"
            )
        except duckdb.Error as error:
            raise FileRejected(f"not readable as JSON: {str(error).splitlines()[0]}") from error

    def read_documents(self, files: Sequence[tuple[int, LandedFile]], table: str) -> dict[int, str]:
        """Read every file of the batch as one JSON document each; return the rejected.

        Per file (index -> reason) what makes it unloadable as a whole; the records of the
        others land in `table` with their `_file_index`, `_row_number` = position in the array.
        DuckDB's JSON reader takes them when it can (one parse per document, in parallel);
        otherwise, or when anything is odd, they are read as text, which says what is wrong.
        """
        con = self.con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _document_files (_file_index INTEGER, path VARCHAR, _file_name VARCHAR)"
        )
        _insert_values(con, "_document_files", [(i, str(f.path), f.name) for i, f in files])
        rejected = None if self._as_text else self._read_documents_fast(files, table)
        return self._read_documents_as_text(files, table) if rejected is None else rejected

    def _read_documents_fast(self, files: Sequence[tuple[int, LandedFile]], table: str) -> dict[int, str] | None:
        """`read_documents` by `read_json` with the columns the response's reads need; None where that may differ.

        Two reads, each parsing every document once, in parallel: the first, here, takes the few
        body values the source's SQL reads (`_document_columns`) and whether the records are a
        list of objects, so the documents can be judged; the second, a view in `table` that
        judging reads, takes the records straight into the item columns. (Holding the records
        between the two as lists costs more than the second parse.) The reader fails on what the
        text path rejects or quarantines as malformed (invalid JSON, a record or a value of the
        wrong JSON type, repeated keys): here, or while the view is judged (then `load_batch`
        calls `read_batch_as_text`). But it takes several documents in one file, a file of
        whitespace, or a top-level `null` or `{}` as rows of nulls: so the rows are kept only if
        each file gave exactly one that is not all null. Then everything it gives is what the
        text path gives (tests/unit/lib/test_document_reading.py reads every shape both ways).
        """
        document = self.spec.document
        assert document is not None
        names = document.column_names
        items = [c for c in self.spec.columns if c.name not in names]
        # Any object (or null) is such a STRUCT: a key no record has reads as NULL.
        outline = _document_columns(document, {"_": "VARCHAR"})
        if outline is None:
            return None
        keys, body = document.records_keys, outline["response"]
        response = _quote("response")
        records = (
            f"CASE WHEN {response} IS NOT NULL THEN {_struct_field(response, keys)} ELSE {_read_json_field(keys)} END"
        )
        all_null = " AND ".join(f"{_quote(key)} IS NULL" for key in outline)
        enveloped = _json_object_sql(body, lambda key: _struct_field(response, [key]))
        con = self.con
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _document_values AS
                SELECT _file_index, _file_name, {all_null} AS _all_null, 'OBJECT' AS _doc_type,
                       {records} IS NOT NULL AS _has_records,
                       coalesce(CASE WHEN {response} IS NOT NULL THEN "fetched_at" ->> '$' END, {STAMPED_TIME})
                           AS observed_at,
                       CAST(CASE WHEN {response} IS NOT NULL THEN {enveloped} ELSE {_json_object_sql(body, _quote)} END
                            AS JSON) AS _body
                FROM {self._read_json_documents(files, outline)}"""
            )
            counts = con.execute(
                "SELECT count(*), count(DISTINCT _file_index), count(*) FILTER (WHERE _all_null) FROM _document_values"
            ).fetchone()
            if counts != (len(files), len(files), 0):
                return None
            rejected = self._judge_documents("SELECT * EXCLUDE (_all_null) FROM _document_values")
            # As the text path reads a record: all NULL unless it is an object, a JSON null quarantined.
            values = {c.name: _struct_field("_item", c.json_keys) for c in items}
            cols = ", ".join(
                f"CASE WHEN _item IS NOT NULL THEN {values.get(c.name, _quote(c.name))} END AS {_quote(c.name)}"
                for c in self.spec.columns
            )
            only_records: Any = _json_type(_json_shape(items)) + "[]"
            for key in reversed(keys):
                only_records = {key: only_records}
            # A view: judging reads the records once, straight from the files (a table of them
            # first costs 0.4 s per million); only rejected records are read again, for their text.
            con.execute(
                f"""CREATE OR REPLACE TEMP VIEW {table} AS
                SELECT _file_index, _row_number, {cols}, CASE WHEN _item IS NULL THEN 'null' END AS _raw,
                       CASE WHEN _item IS NULL THEN 'the record is a JSON null, not an object' END AS _parse_error
                FROM (SELECT _file_index, generate_subscripts({records}, 1) AS _row_number, unnest({records}) AS _item
                      FROM {self._read_json_documents(files, {"response": only_records, **only_records})})
                JOIN _documents USING (_file_index) WHERE _reject IS NULL"""
            )
        except duckdb.Error:
            return None
        self.judged_from_files = True
        return rejected

    def _read_json_documents(self, files: Sequence[tuple[int, LandedFile]], columns: dict[str, Any]) -> str:
        """SQL for `read_json` of one document per file, with `_file_index` and `_file_name`."""
        paths = ", ".join(_text(str(f.path)) for _, f in files)
        biggest = max(f.size for _, f in files)
        return (
            f"read_json([{paths}], columns = {_read_json_columns(columns)}, format = 'unstructured', "
            f"records = true, filename = true, maximum_object_size = {max(biggest + 1, 16 << 20)}) "
            "JOIN _document_files ON filename = path"
        )

    def _read_documents_as_text(self, files: Sequence[tuple[int, LandedFile]], table: str) -> dict[int, str]:
        """`read_documents` from each file's text: each document is parsed a fixed few times."""
        document = self.spec.document
        assert document is not None
        con = self.con
        paths = ", ".join(_text(str(f.path)) for _, f in files)
        enveloped_records, patch = "$.response" + document.records.removeprefix("$"), document.without_records
        # In steps, each a table: DuckDB inlines a CTE's expressions into every use, and a
        # JSON value used ten times would be parsed ten times (40x slower at 1,000 files).
        # A byte order mark is not JSON, but DuckDB's JSON reader skips one, and so do we.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _document_texts AS
            SELECT f._file_index, f._file_name,
                   TRY_CAST(CASE WHEN starts_with(t.content, chr(65279)) THEN substr(t.content, 2) ELSE t.content END
                            AS JSON) AS _doc
            FROM read_text([{paths}]) t JOIN _document_files f ON t.filename = f.path"""
        )
        # One parse for the shape: the types of the document, its envelope and both places of
        # the records. Each statement after it reads the document from _document_texts: copying
        # it along, or reading a second value of it in the same projection, costs more than a
        # parse (DuckDB is ~4x slower computing two functions of one large JSON value in one
        # projection than one after the other).
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _document_shapes AS
            SELECT _file_index, _file_name, _types[1] AS _doc_type, _types[2] = 'OBJECT' AS _enveloped,
                   coalesce(CASE WHEN _types[2] = 'OBJECT' THEN _types[3] ELSE _types[4] END = 'ARRAY', false)
                       AS _has_records
            FROM (SELECT _file_index, _file_name,
                         json_type(_doc, ['$', '$.response', {_text(enveloped_records)}, {_text(document.records)}])
                             AS _types
                  FROM _document_texts)"""
        )
        con.execute(
            # A `[*]` path lists the elements as JSON in one pass (it must be a constant).
            f"""CREATE OR REPLACE TEMP TABLE _document_records AS
            SELECT _file_index,
                   CASE WHEN NOT _has_records THEN NULL
                       WHEN _enveloped THEN json_extract(_doc, {_text(enveloped_records + "[*]")})
                       ELSE json_extract(_doc, {_text(document.records + "[*]")}) END AS _records
            FROM _document_shapes JOIN _document_texts USING (_file_index)"""
        )
        # The document without its records: small, so the envelope's time and every test of
        # the response read it, not the document.
        enveloped_patch = '{"response": ' + patch + "}"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _document_parts AS
            SELECT _file_index, s._file_name, _doc_type, _enveloped, _has_records,
                   CASE WHEN _enveloped THEN json_merge_patch(_doc, {_text(enveloped_patch)})
                       WHEN _doc_type = 'OBJECT' THEN json_merge_patch(_doc, {_text(patch)}) END AS _patched
            FROM _document_shapes s JOIN _document_texts USING (_file_index)"""
        )
        rejected = self._judge_documents(
            f"""SELECT _file_index, _file_name, _doc_type, _has_records,
                   coalesce(CASE WHEN _enveloped THEN _patched ->> '$.fetched_at' END, {STAMPED_TIME}) AS observed_at,
                   CASE WHEN _enveloped THEN _patched -> '$.response' ELSE _patched END AS _body
            FROM _document_parts"""
        )
        names = document.column_names
        carried = ", ".join(_quote(name) for name in names)
        # Unnested into a table of its own: a scan of it runs in parallel, an unnest of a
        # thousand documents feeds the per-record work from a single thread.
        con.execute(
            # a JSON null element stays a record (and is quarantined), it does not vanish
            "CREATE OR REPLACE TEMP TABLE _document_items AS "
            f"SELECT _file_index, generate_subscripts(_records, 1) AS _row_number, "
            f"coalesce(unnest(_records), 'null') AS _record, {carried} "
            "FROM _documents JOIN _document_records USING (_file_index) WHERE _reject IS NULL"
        )
        self._read_json_records("SELECT * FROM _document_items", table, from_document=names)
        return rejected

    def _judge_documents(self, parts: str) -> dict[int, str]:
        """The table `_documents`: per document its fields and why it is rejected whole (NULL: it is not).

        `parts` gives `_file_index`, `_file_name`, `_doc_type`, `_has_records`, `observed_at`
        and `_body`, the response without its records. Returns the rejected: index -> reason.
        """
        document = self.spec.document
        assert document is not None
        fields = ", ".join(f"{sql} AS {_quote(name)}" for name, sql in document.fields)
        no_records = f"the response has no {document.records.removeprefix('$.')} array"
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _documents AS
            SELECT * EXCLUDE (_body), CASE
                WHEN _doc_type IS NULL THEN 'not valid JSON (truncated or malformed); nothing in it was loaded'
                WHEN _doc_type <> 'OBJECT' THEN 'expected one JSON object (an API response), found a JSON '
                    || lower(_doc_type)
                ELSE coalesce(({document.reject}), CASE
                    WHEN NOT _has_records THEN {_text(no_records)}
                    WHEN observed_at IS NULL THEN {_text(NO_OBSERVATION_TIME)}
                    WHEN iso_timestamp(observed_at) IS NULL
                        THEN 'fetched_at ''' || observed_at || ''' is not an ISO 8601 timestamp'
                END) END AS _reject
            FROM (SELECT *, {fields} FROM ({parts}))"""
        )
        return dict(
            self.con.execute("SELECT _file_index, _reject FROM _documents WHERE _reject IS NOT NULL").fetchall()
        )


# Per numeric kind: the number in a cell `{c}`, parsed once in a step of its own.
NUMBERS: dict[ColumnKind, str] = {
    "number": "chart_number({c})",
    "integer": "chart_number({c})",
    "measure": "measure_number({c})",
}
# Per kind: the typed value of a cell `{c}` (`{n}`: its number from NUMBERS), and what a
# cell that is neither unknown nor parseable is called in its quarantine reason.
PARSERS: dict[ColumnKind, tuple[str, str | None]] = {
    "text": ("chart_text({c})", None),
    "number": ("{n}", "is not a number"),
    "measure": ("{n}", "is not a number"),
    "integer": ("CASE WHEN {n} = trunc({n}) THEN TRY_CAST({n} AS BIGINT) END", "is not a whole number"),
    "date": ("iso_date({c})", "is not an ISO 8601 date (YYYY-MM-DD)"),
    "timestamp": ("iso_timestamp({c})", "is not an ISO 8601 timestamp"),
    "boolean": ("chart_boolean({c})", "is not true or false"),
}


def judge_sql(spec: SourceSpec, landed: str) -> str:
    """SQL turning landed text rows into typed rows with a `_reason` (NULL = good).

    Each cell is parsed once, in a step of its own: DuckDB would otherwise evaluate a
    parser again wherever its result is used. Whether a cell holds an "unknown" marker is
    asked only of text cells and of cells that did not parse. Only ids, typed values and
    the reason are kept: the text of a rejected row is read back from `landed` when it is
    quarantined, so the wide text never travels twice.
    """
    numbers, values, typed_cols, errors = [], [], [], []
    for column in spec.columns:
        c, value = _quote(column.name), _quote(column.name + "__value")
        if column.kind in NUMBERS:
            numbers.append(f"{NUMBERS[column.kind].format(c=c)} AS {_quote(column.name + '__number')}")
        template, problem = PARSERS[column.kind]
        values.append(f"{template.format(c=c, n=_quote(column.name + '__number'))} AS {value}")
        typed = value if column.default is None else f"coalesce({value}, {column.default})"
        typed_cols.append(f"{typed} AS {c}")
        if problem is not None:
            errors.append(
                f"CASE WHEN {value} IS NULL AND NOT chart_unknown({c}) "
                f"THEN '{column.name} ''' || {c} || ''' {problem}' END AS {_quote(column.name + '__error')}"
            )
    derived = ", ".join(f"{sql} AS {_quote(name)}" for name, sql in spec.derived)
    replace = f" REPLACE ({derived})" if derived else ""

    checked = [c.name for c in spec.columns if PARSERS[c.kind][1] is not None]
    reasons = ["_parse_error"] + [_quote(name + "__error") for name in checked]
    for expectation in spec.suite.row_level:
        column = expectation.kwargs["column"]
        guard = f"{_quote(column + '__error')} IS NULL AND " if column in checked else ""
        reasons.append(
            f"CASE WHEN _parse_error IS NULL AND {guard}NOT {quality.row_predicate(expectation)} "
            f"THEN {quality.violation_reason(expectation)} END"
        )
    typed_names = ", ".join(_quote(c.name) for c in spec.columns)
    return f"""
        WITH parsed AS (
            SELECT *{"".join(", " + n for n in numbers)} FROM {landed} JOIN _files USING (_file_index)
        ), valued AS (
            SELECT *, {", ".join(values)} FROM parsed
        ), typed AS (
            SELECT _file_index, _file_name, _row_number, _parse_error, {", ".join(typed_cols + errors)}
            FROM valued
        ), derived AS (
            SELECT *{replace} FROM typed
        )
        SELECT _file_index, _row_number, {typed_names},
               nullif(concat_ws('; ', {", ".join(reasons)}), '') AS _reason
        FROM derived
    """


def _apply_rules(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """Add the source's own rules' reasons (e.g. unknown film) to the judged rows.

    A rule often looks other tables up; run on its own, the lookup carries only the ids
    and the columns it reads instead of every typed column (3x faster at a million rows).
    """
    for rule in spec.rules:
        if rule.reads:
            columns = ", ".join(_quote(c) for c in rule.reads)
            broken = f"SELECT {columns}, {rule.reason} AS reason FROM (SELECT DISTINCT {columns} FROM _judged)"
            match = " AND ".join(f"_judged.{_quote(c)} IS NOT DISTINCT FROM d.{_quote(c)}" for c in rule.reads)
        else:
            broken = f"SELECT _file_index, _row_number, {rule.reason} AS reason FROM _judged"
            match = "_judged._file_index = d._file_index AND _judged._row_number = d._row_number"
        con.execute(
            f"UPDATE _judged SET _reason = concat_ws('; ', _judged._reason, d.reason) "
            f"FROM ({broken} WHERE {rule.broken}) d WHERE {match}"
        )


def _mark_duplicates(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> dict[tuple[str, ...], str]:
    """Quarantine later copies of a record under the suite's uniqueness expectations.

    `_file_sha256` in a key scopes it to one file. Keys that occur more than once are found
    by grouping on a hash of the key (usually none are); only rows with those hashes go
    through the window, and the few copies are updated in place. Returns, per key, the
    table of those hashes: the suite's own uniqueness count reuses them (`run_suite`).
    """
    repeated_keys = {}
    for number, key in enumerate(e.columns for e in spec.suite.expectations if e.type in quality.BATCH_LEVEL):
        columns = [_quote(c) for c in key]
        hashed, table = quality.key_hash(columns), f"_repeated_keys_{number}"
        repeated_keys[tuple(key)] = f"SELECT hash FROM {table}"
        good = "_judged JOIN _files USING (_file_index) WHERE _reason IS NULL"
        repeated = con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS {quality.repeated_hashes(columns, good)}; "
            f"SELECT count(*) FROM {table}"
        ).fetchone()
        if not repeated or not repeated[0]:
            continue
        per_file = "_file_sha256" in key
        shown = ", ".join(c for c in key if not c.startswith("_")) + (" in this file" if per_file else "")
        # A batch-wide key may repeat across files: then name the file of the first copy.
        label = spec.record_label
        first = f"'{label} '" if per_file else f"first_value(_file_name) OVER w || ' {label} '"
        con.execute(
            "UPDATE _judged SET _reason = d.reason FROM ("
            f"SELECT _file_index, _row_number, 'duplicate of ' || {first} || first_value(_row_number) OVER w "
            f"|| ' (same {shown})' AS reason FROM _judged JOIN _files USING (_file_index) "
            f"WHERE _reason IS NULL AND {hashed} IN (SELECT hash FROM {table}) "
            f"WINDOW w AS (PARTITION BY {', '.join(columns)} ORDER BY _file_index, _row_number) "
            "QUALIFY row_number() OVER w > 1"
            ") d WHERE _judged._file_index = d._file_index AND _judged._row_number = d._row_number"
        )
    return repeated_keys


def load_batch(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    files: Sequence[LandedFile],
    *,
    run_id: str | None = None,
    archive: bool = True,
) -> LoadReport:
    """Load `files` of one source as one batch; see the module docstring."""
    started = time.perf_counter()
    report = LoadReport(spec.name, run_id or uuid.uuid4().hex)
    con.execute(MACROS)
    con.execute(spec.raw_ddl())
    con.execute(spec.quarantine_ddl())

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

    reader = _Reader(con, spec)
    loaded, rejected = reader.read_batch(to_read)
    _list_files(con, loaded)
    report.stages["read"] = time.perf_counter() - started

    if not loaded:
        report.committed = True  # nothing to validate: only duplicates and rejected files, or no files
        report.files += rejected
        report.quality = quality.SuiteResult(spec.suite.name, True, 0, 0, 0, 0)
        report.sample_reasons = [f"{r.file.name}: rejected whole: {r.detail}" for r in rejected]
        if report.files:  # only duplicates and rejected files: record them, nothing to validate
            _commit(con, spec, report, with_rows=False)
            if archive:
                for outcome in report.files:
                    landing.archive(outcome.file)
        _drop_batch_tables(con)
        report.seconds = time.perf_counter() - started
        return report

    # Rows are checked against the sources they depend on: without them, nothing is judged
    # (the files stay pending) rather than every row quarantined as, say, an unknown film.
    missing = [name for name in spec.depends_on if not _raw_table_exists(con, name)]
    if missing:
        raise LookupError(f"{spec.name} is checked against raw.{missing[0]}, which does not exist yet: load it first")
    mark = time.perf_counter()
    judge = f"CREATE OR REPLACE TEMP TABLE _judged AS {judge_sql(spec, '_landed')}"
    try:
        con.execute(judge)
    except duckdb.Error:
        if not reader.judged_from_files:
            raise
        # DuckDB's JSON reader met a record it cannot read into the columns (say, a `snippet`
        # that is a string): the text path says which and why.
        loaded, rejected = reader.read_batch_as_text(to_read)
        _list_files(con, loaded)
        con.execute(judge)
    report.stages["judge.type"] = time.perf_counter() - mark
    _apply_rules(con, spec)
    report.stages["judge.rules"] = time.perf_counter() - mark - report.stages["judge.type"]
    repeated_keys = _mark_duplicates(con, spec)
    report.stages["judge.duplicates"] = (
        time.perf_counter() - mark - report.stages["judge.type"] - report.stages["judge.rules"]
    )
    typed = ", ".join(_quote(c.name) for c in spec.columns)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW _good AS SELECT {typed}, {', '.join(LINEAGE)} "
        "FROM _judged JOIN _files USING (_file_index) WHERE _reason IS NULL"
    )
    report.stages["judge"] = time.perf_counter() - mark

    mark = time.perf_counter()
    report.quality = quality.run_suite(con, spec.suite, "_good", repeated_keys=repeated_keys)
    report.stages["quality"] = time.perf_counter() - mark

    counts = {
        index: (good, bad)
        for index, good, bad in con.execute(
            "SELECT _file_index, count(*) FILTER (WHERE _reason IS NULL), count(*) FILTER (WHERE _reason IS NOT NULL) "
            "FROM _judged GROUP BY ALL"
        ).fetchall()
    }
    for index, file in loaded:
        good, bad = counts.get(index, (0, 0))
        report.files.append(FileOutcome(file, "loaded", good, bad))
    report.files += rejected
    report.sample_reasons = [
        f"{name} {spec.record_label} {line}: {reason}"
        for name, line, reason in con.execute(
            "SELECT _file_name, _row_number, _reason FROM _judged JOIN _files USING (_file_index) "
            "WHERE _reason IS NOT NULL "
            "ORDER BY _file_index, _row_number LIMIT 20"
        ).fetchall()
    ] + [f"{r.file.name}: rejected whole: {r.detail}" for r in rejected]

    mark = time.perf_counter()
    if report.quality.success:
        _commit(con, spec, report)
        report.committed = True
        if archive:
            for outcome in report.files:
                landing.archive(outcome.file)
    else:
        _record_quality(con, report)
    report.stages["commit"] = time.perf_counter() - mark
    _drop_batch_tables(con)
    report.seconds = time.perf_counter() - started
    return report


def _raw_table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'raw' AND table_name = ?",
        [LAKE, name],
    ).fetchone()
    return bool(found and found[0])


def _list_files(con: duckdb.DuckDBPyConnection, loaded: Sequence[tuple[int, LandedFile]]) -> None:
    """The temp table `_files`: the lineage of each file read, by `_file_index`."""
    con.execute("CREATE OR REPLACE TEMP TABLE _files (_file_index INTEGER, _file_sha256 VARCHAR, _file_name VARCHAR)")
    _insert_values(con, "_files", [(i, f.sha256, f.name) for i, f in loaded])


def _insert_values(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[int, str, str]]) -> None:
    """One INSERT for a batch's file list (executemany costs a statement per file)."""
    if rows:
        values = ", ".join(f"({index}, {_text(a)}, {_text(b)})" for index, a, b in rows)
        con.execute(f"INSERT INTO {table} VALUES {values}")


def _drop_batch_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the batch's temp views and tables (the names all start with '_')."""
    for kind, name in con.execute(
        "SELECT 'VIEW', view_name FROM duckdb_views() WHERE temporary AND starts_with(view_name, '_') "
        "UNION ALL SELECT 'TABLE', table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_')"
    ).fetchall():
        con.execute(f"DROP {kind} IF EXISTS {_quote(name)}")


def _commit(con: duckdb.DuckDBPyConnection, spec: SourceSpec, report: LoadReport, *, with_rows: bool = True) -> None:
    con.execute("BEGIN")
    try:
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
            _record_quality(con, report)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _insert_rows(con: duckdb.DuckDBPyConnection, spec: SourceSpec, *, any_rejected: bool) -> None:
    typed = ", ".join(_quote(c.name) for c in spec.columns)
    texts = ", ".join(f"l.{_quote(c.name)}" for c in spec.columns)
    # Files of one batch get _loaded_at a microsecond apart, in arrival order, so that
    # "the newest file wins" holds within a batch exactly as it does across batches.
    con.execute(
        f"INSERT INTO raw.{spec.name} SELECT {typed}, {', '.join(LINEAGE)}, now() + to_microseconds(_file_index) "
        "FROM _judged JOIN _files USING (_file_index) WHERE _reason IS NULL"
    )
    if not any_rejected:
        return  # `_landed` may be a view that reads the files again
    # Rejected rows are few: their text is read back from the landed files by line.
    con.execute(
        f"INSERT INTO quarantine.{spec.name} SELECT {texts}, l._raw, j._reason, f._file_sha256, f._file_name, "
        "j._row_number, now() FROM _judged j JOIN _landed l USING (_file_index, _row_number) "
        "JOIN _files f USING (_file_index) WHERE j._reason IS NOT NULL ORDER BY j._file_index, j._row_number"
    )


def _insert_loads(con: duckdb.DuckDBPyConnection, source: str, report: LoadReport) -> None:
    """One row per file in meta.loads, in one statement (executemany costs 0.5 ms a file: 0.5 s at 1,000)."""
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


def _record_quality(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    result = report.quality
    assert result is not None
    quality.record(con, f"raw.{report.source}", result, report.run_id)
