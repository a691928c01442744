"""JSON records as text columns: shared by JSON Lines, JSON arrays and API responses read as text."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

import duckdb

from pipelines.lib.landing import LandedFile
from pipelines.lib.loading.json_paths import json_values
from pipelines.lib.loading.readers.base import FileRejected, drift_warning, duckdb_reason
from pipelines.lib.loading.spec import Column, SourceSpec
from pipelines.lib.loading.sql import identifier, literal

# The first records whose keys tell a file's schema drift (`json_drift`).
DRIFT_SAMPLE = 1_000


def read_json_records(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    records_sql: str,
    table: str,
    *,
    from_document: Sequence[str] = (),
    file: LandedFile | None = None,
) -> None:
    """The table `table` of text columns from `records_sql` (`_row_number`, `_record` as JSON text).

    A record that is not valid JSON, or not an object, keeps its text in `_raw` with the
    reason in `_parse_error`. `from_document` columns (and `_file_index`) come from
    `records_sql` itself: an API response gives them to each of its records. `file`: the one
    file read, named in a reason for rejecting it.
    """
    extracted = [c for c in spec.columns if c.name not in from_document]
    extract, parts = json_values("_record", extracted)
    cols = ", ".join(
        f"CASE WHEN _ok THEN {identifier(c.name) if c.name in from_document else parts[c.name]} END "
        f"AS {identifier(c.name)}"
        for c in spec.columns
    )
    leading = "_file_index, " if from_document else ""
    parent_types, not_an_object = _not_an_object(extracted)
    # Records cut from a parsed document are valid JSON already: no second validation.
    json_kind = "json_type(_record)" if from_document else "CASE WHEN json_valid(_record) THEN json_type(_record) END"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS "
            # `_raw` as VARCHAR, whatever type `_record` has (JSON, cut from an array): a batch's
            # files are unioned, and a JSON `_raw` would make every CSV line's `_raw` a JSON cast.
            f"SELECT {leading}_row_number, {cols}, CASE WHEN NOT _ok THEN CAST(_record AS VARCHAR) END AS _raw, "
            "CASE WHEN _kind IS NULL THEN 'the record is not valid JSON' "
            "WHEN _kind <> 'OBJECT' THEN 'the record is a JSON ' || lower(_kind) || ', not an object' "
            "ELSE _not_an_object END AS _parse_error FROM ("
            f"SELECT *, coalesce(_kind = 'OBJECT' AND _not_an_object IS NULL, false) AS _ok, "
            f"CASE WHEN _kind = 'OBJECT' THEN {extract} END AS _values FROM ("
            f"SELECT *, {not_an_object} AS _not_an_object FROM ("
            f"SELECT *, CASE WHEN _kind = 'OBJECT' THEN {parent_types} END AS _types FROM ("
            f"SELECT *, {json_kind} AS _kind FROM ({records_sql}) WHERE trim(_record) <> ''))))"
        )
    except duckdb.Error as error:
        raise FileRejected(f"not readable as JSON: {duckdb_reason(error, file)}") from error


def _not_an_object(columns: Sequence[Column]) -> tuple[str, str]:
    """SQL for why a record's columns cannot be read from it, or NULL: the JSON types of the keys
    they are read through (`snippet` of `$.snippet.title`) as `_types`, and the reason over them.

    A key that holds text, a number or an array, not an object, has no keys of its own: JSON's
    reading of the path finds no value, so the record would load without the values it has (a
    `snippet` sent as a string). It is quarantined instead, saying which key and why.
    """
    parents = sorted({c.json_keys[:depth] for c in columns for depth in range(1, len(c.json_keys))}, key=len)
    if not parents:
        return "NULL", "NULL"
    paths = ", ".join(literal("$" + "".join(f".{json.dumps(key)}" for key in keys)) for keys in parents)
    # Shallower keys first: below a key that is not an object, json_type finds nothing.
    checks = " ".join(
        f"WHEN _types[{i}] NOT IN ('OBJECT', 'NULL') "
        f"THEN {literal('.'.join(keys) + ' is a JSON ')} || lower(_types[{i}]) || ', not an object'"
        for i, keys in enumerate(parents, start=1)
    )
    return f"json_type(_record, [{paths}])", f"CASE {checks} END"


def json_drift(spec: SourceSpec, keys: Collection[str]) -> str | None:
    """Schema drift in JSON records whose top-level keys are `keys` (a sample's): keys the source
    does not read, required keys that no record has; None when there is neither, or no keys.

    Only top-level keys are compared (a column's path starts at one). The sample is the
    file's first records (DRIFT_SAMPLE at most): reading every key of every record would
    parse a large file once more, and a producer's change of format shows from its first on.
    """
    if not keys:
        return None
    read = {c.json_keys[0] for c in spec.columns}
    return drift_warning(
        spec,
        [(repr(key), key) for key in sorted(set(keys) - read)],
        sorted(read - set(keys)),
        [c.name for c in spec.columns if c.required and c.json_keys[0] not in keys],
    )


def sampled_keys(con: duckdb.DuckDBPyConnection, records_sql: str) -> set[str]:
    """The top-level keys of the first DRIFT_SAMPLE records of `records_sql` (`_record`) that are objects."""
    try:
        row = con.execute(
            f"SELECT list(DISTINCT _key) FROM (SELECT unnest(json_keys(_record)) AS _key FROM ("
            f"SELECT _record FROM ({records_sql}) WHERE json_valid(_record) AND json_type(_record) = 'OBJECT' "
            f"LIMIT {DRIFT_SAMPLE}))"
        ).fetchone()
    except duckdb.Error:
        return set()  # the records could not be sampled: judging them says what is wrong
    return set(row[0] or []) if row else set()
