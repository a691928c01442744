"""API responses (YouTube, Reddit): one JSON document per file, the batch's files read together.

DuckDB's `read_json` takes them when that provably gives what their text gives (one parse
per document, in parallel, straight into the item columns and the few body values the
source's SQL reads); otherwise, or when anything is odd, they are read as text, which says
what is wrong with which file or item.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import duckdb

from pipelines.lib.loading.json_paths import (
    JSON_LEAF,
    json_shape,
    json_type,
    read_json_columns,
    read_json_field,
    struct_field,
)
from pipelines.lib.loading.readers.base import BatchRead, IndexedFile, Reader
from pipelines.lib.loading.readers.json_records import read_json_records
from pipelines.lib.loading.spec import JsonDocument, SourceSpec
from pipelines.lib.loading.sql import identifier, insert_file_list, literal

# An API response's observation time when it is not in an envelope: the file name's stamp.
STAMPED_TIME = (
    r"strftime(try_strptime(regexp_extract(_file_name, '_(\d{8}T\d{6}Z)\.json$', 1), '%Y%m%dT%H%M%SZ'), "
    "'%Y-%m-%dT%H:%M:%SZ')"
)
NO_OBSERVATION_TIME = (
    'no observation time: wrap the body as {"fetched_at": "<ISO time>", "response": {...}} '
    "or name the file *_<YYYYMMDDTHHMMSSZ>.json"
)
LANDED = "_landed_documents"


def document_columns(document: JsonDocument, item_shape: dict[str, Any]) -> dict[str, Any] | None:
    """`read_json`'s columns for a response, enveloped or not; None when they could not give what its text gives.

    A body is a tree of the keys its SQL reads (each read ends in a JSON leaf at the first
    key off the records' path) and the records, a list of item STRUCTs; the envelope adds
    `fetched_at` and the body again under `response`. None when the SQL reads the body some
    other way, reads the records or what holds them, or reads a key named as the envelope's.
    """
    paths = document.body_paths
    if paths is None:
        return None
    records = json_type(item_shape) + "[]"
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


def json_object_sql(node: dict[str, Any], value: Callable[[str], str]) -> str:
    """SQL for the JSON text of a body read by `document_columns`, without its records: its present values only."""
    members = []
    for key, child in node.items():
        at = value(key)
        if isinstance(child, dict):
            text = json_object_sql(child, lambda k, parent=at: struct_field(parent, [k]))  # type: ignore[misc]
        elif child == JSON_LEAF:
            text = f"CAST({at} AS VARCHAR)"
        else:
            continue  # the records
        members.append(f"CASE WHEN {at} IS NOT NULL THEN {literal(json.dumps(key) + ':')} || {text} END")
    if not members:
        return "'{}'"
    return "'{' || concat_ws(',', " + ", ".join(members) + ") || '}'"


class DocumentReader(Reader):
    """Every file of the batch as one API response; records land in one view, `_landed_documents`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: SourceSpec, *, as_text: bool = False) -> None:
        super().__init__(con, spec)
        self._as_text = as_text
        self.judged_from_files = False

    def read_batch(self, files: Sequence[IndexedFile]) -> BatchRead:
        batch = BatchRead()
        readable = []
        for index, file in files:
            if file.path.suffix.lower() != ".json":
                batch.reject(index, file, "expected a .json file holding one API response")
            else:
                readable.append((index, file))
        if self._as_text:
            self.con.execute(f"DROP VIEW IF EXISTS {LANDED}")
        why_not = self.read_documents(readable, LANDED) if readable else {}
        for index, file in readable:
            if index in why_not:
                batch.reject(index, file, why_not[index])
            else:
                batch.read.append((index, file))
        batch.rejected.sort(key=lambda item: item[0])
        if batch.read:
            batch.relations.append(f"SELECT * FROM {LANDED}")
        batch.judged_from_files = self.judged_from_files
        return batch

    def read_documents(self, files: Sequence[IndexedFile], table: str) -> dict[int, str]:
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
        insert_file_list(con, "_document_files", [(i, str(f.path), f.name) for i, f in files])
        rejected = None if self._as_text else self._read_documents_fast(files, table)
        return self._read_documents_as_text(files, table) if rejected is None else rejected

    def _read_documents_fast(self, files: Sequence[IndexedFile], table: str) -> dict[int, str] | None:
        """`read_documents` by `read_json` with the columns the response's reads need; None where that may differ.

        Two reads, each parsing every document once, in parallel: the first, here, takes the few
        body values the source's SQL reads (`document_columns`) and whether the records are a
        list of objects, so the documents can be judged; the second, a view in `table` that
        judging reads, takes the records straight into the item columns. (Holding the records
        between the two as lists costs more than the second parse.) The reader fails on what the
        text path rejects or quarantines as malformed (invalid JSON, a record or a value of the
        wrong JSON type, repeated keys): here, or while the view is judged (then the batch is
        read again, as text). But it takes several documents in one file, a file of
        whitespace, or a top-level `null` or `{}` as rows of nulls: so the rows are kept only if
        each file gave exactly one that is not all null. Then everything it gives is what the
        text path gives (tests/unit/lib/loading/test_document_reading.py reads every shape
        both ways).
        """
        document = self.spec.document
        assert document is not None
        names = document.column_names
        items = [c for c in self.spec.columns if c.name not in names]
        # Any object (or null) is such a STRUCT: a key no record has reads as NULL.
        outline = document_columns(document, {"_": "VARCHAR"})
        if outline is None:
            return None
        keys, body = document.records_keys, outline["response"]
        response = identifier("response")
        records = (
            f"CASE WHEN {response} IS NOT NULL THEN {struct_field(response, keys)} ELSE {read_json_field(keys)} END"
        )
        all_null = " AND ".join(f"{identifier(key)} IS NULL" for key in outline)
        enveloped = json_object_sql(body, lambda key: struct_field(response, [key]))
        bare = json_object_sql(body, identifier)
        con = self.con
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _document_values AS
                SELECT _file_index, _file_name, {all_null} AS _all_null, 'OBJECT' AS _doc_type,
                       {records} IS NOT NULL AS _has_records,
                       coalesce(CASE WHEN {response} IS NOT NULL THEN "fetched_at" ->> '$' END, {STAMPED_TIME})
                           AS observed_at,
                       CAST(CASE WHEN {response} IS NOT NULL THEN {enveloped} ELSE {bare} END AS JSON) AS _body
                FROM {self._read_json_documents(files, outline)}"""
            )
            counts = con.execute(
                "SELECT count(*), count(DISTINCT _file_index), count(*) FILTER (WHERE _all_null) FROM _document_values"
            ).fetchone()
            if counts != (len(files), len(files), 0):
                return None
            rejected = self._judge_documents("SELECT * EXCLUDE (_all_null) FROM _document_values")
            # As the text path reads a record: all NULL unless it is an object, a JSON null quarantined.
            values = {c.name: struct_field("_item", c.json_keys) for c in items}
            cols = ", ".join(
                f"CASE WHEN _item IS NOT NULL THEN {values.get(c.name, identifier(c.name))} END AS {identifier(c.name)}"
                for c in self.spec.columns
            )
            only_records: Any = json_type(json_shape(items)) + "[]"
            for key in reversed(keys):
                only_records = {key: only_records}
            # A view: judging reads the records once, straight from the files (a table of them
            # first would write them all once more); only rejected records are read again, for
            # their text.
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

    def _read_json_documents(self, files: Sequence[IndexedFile], columns: dict[str, Any]) -> str:
        """SQL for `read_json` of one document per file, with `_file_index` and `_file_name`."""
        paths = ", ".join(literal(str(f.path)) for _, f in files)
        biggest = max(f.size for _, f in files)
        return (
            f"read_json([{paths}], columns = {read_json_columns(columns)}, format = 'unstructured', "
            f"records = true, filename = true, maximum_object_size = {max(biggest + 1, 16 << 20)}) "
            "JOIN _document_files ON filename = path"
        )

    def _read_documents_as_text(self, files: Sequence[IndexedFile], table: str) -> dict[int, str]:
        """`read_documents` from each file's text: each document is parsed a fixed few times."""
        document = self.spec.document
        assert document is not None
        con = self.con
        paths = ", ".join(literal(str(f.path)) for _, f in files)
        enveloped_records, patch = "$.response" + document.records.removeprefix("$"), document.without_records
        # In steps, each a table: DuckDB inlines a CTE's expressions into every use, and a
        # JSON value used ten times would be parsed ten times.
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
        # parse (DuckDB is slower computing two functions of one large JSON value in one
        # projection than one after the other).
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _document_shapes AS
            SELECT _file_index, _file_name, _types[1] AS _doc_type, _types[2] = 'OBJECT' AS _enveloped,
                   coalesce(CASE WHEN _types[2] = 'OBJECT' THEN _types[3] ELSE _types[4] END = 'ARRAY', false)
                       AS _has_records
            FROM (SELECT _file_index, _file_name,
                         json_type(_doc, ['$', '$.response', {literal(enveloped_records)}, {literal(document.records)}])
                             AS _types
                  FROM _document_texts)"""
        )
        con.execute(
            # A `[*]` path lists the elements as JSON in one pass (it must be a constant).
            f"""CREATE OR REPLACE TEMP TABLE _document_records AS
            SELECT _file_index,
                   CASE WHEN NOT _has_records THEN NULL
                       WHEN _enveloped THEN json_extract(_doc, {literal(enveloped_records + "[*]")})
                       ELSE json_extract(_doc, {literal(document.records + "[*]")}) END AS _records
            FROM _document_shapes JOIN _document_texts USING (_file_index)"""
        )
        # The document without its records: small, so the envelope's time and every test of
        # the response read it, not the document.
        enveloped_patch = '{"response": ' + patch + "}"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _document_parts AS
            SELECT _file_index, s._file_name, _doc_type, _enveloped, _has_records,
                   CASE WHEN _enveloped THEN json_merge_patch(_doc, {literal(enveloped_patch)})
                       WHEN _doc_type = 'OBJECT' THEN json_merge_patch(_doc, {literal(patch)}) END AS _patched
            FROM _document_shapes s JOIN _document_texts USING (_file_index)"""
        )
        rejected = self._judge_documents(
            f"""SELECT _file_index, _file_name, _doc_type, _has_records,
                   coalesce(CASE WHEN _enveloped THEN _patched ->> '$.fetched_at' END, {STAMPED_TIME}) AS observed_at,
                   CASE WHEN _enveloped THEN _patched -> '$.response' ELSE _patched END AS _body
            FROM _document_parts"""
        )
        names = document.column_names
        carried = ", ".join(identifier(name) for name in names)
        # Unnested into a table of its own: a scan of it runs in parallel, an unnest of a
        # thousand documents feeds the per-record work from a single thread.
        con.execute(
            # a JSON null element stays a record (and is quarantined), it does not vanish
            "CREATE OR REPLACE TEMP TABLE _document_items AS "
            f"SELECT _file_index, generate_subscripts(_records, 1) AS _row_number, "
            f"coalesce(unnest(_records), 'null') AS _record, {carried} "
            "FROM _documents JOIN _document_records USING (_file_index) WHERE _reject IS NULL"
        )
        read_json_records(con, self.spec, "SELECT * FROM _document_items", table, from_document=names)
        return rejected

    def _judge_documents(self, parts: str) -> dict[int, str]:
        """The table `_documents`: per document its fields and why it is rejected whole (NULL: it is not).

        `parts` gives `_file_index`, `_file_name`, `_doc_type`, `_has_records`, `observed_at`
        and `_body`, the response without its records. Returns the rejected: index -> reason.
        """
        document = self.spec.document
        assert document is not None
        fields = ", ".join(f"{sql} AS {identifier(name)}" for name, sql in document.fields.items())
        no_records = f"the response has no {document.records.removeprefix('$.')} array"
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _documents AS
            SELECT * EXCLUDE (_body), CASE
                WHEN _doc_type IS NULL THEN 'not valid JSON (truncated or malformed); nothing in it was loaded'
                WHEN _doc_type <> 'OBJECT' THEN 'expected one JSON object (an API response), found a JSON '
                    || lower(_doc_type)
                ELSE coalesce(({document.reject}), CASE
                    WHEN NOT _has_records THEN {literal(no_records)}
                    WHEN observed_at IS NULL THEN {literal(NO_OBSERVATION_TIME)}
                    WHEN iso_timestamp(observed_at) IS NULL
                        THEN 'fetched_at ''' || observed_at || ''' is not an ISO 8601 timestamp'
                END) END AS _reject
            FROM (SELECT *, {fields} FROM ({parts}))"""
        )
        return dict(
            self.con.execute("SELECT _file_index, _reject FROM _documents WHERE _reject IS NOT NULL").fetchall()
        )
