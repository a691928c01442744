"""JSON records as text columns: shared by JSON Lines, JSON arrays and API responses read as text."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from pipelines.lib.loading.json_paths import json_values
from pipelines.lib.loading.readers.base import FileRejected
from pipelines.lib.loading.spec import SourceSpec
from pipelines.lib.loading.sql import identifier


def read_json_records(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    records_sql: str,
    table: str,
    *,
    from_document: Sequence[str] = (),
) -> None:
    """The table `table` of text columns from `records_sql` (`_row_number`, `_record` as JSON text).

    A record that is not valid JSON, or not an object, keeps its text in `_raw` with the
    reason in `_parse_error`. `from_document` columns (and `_file_index`) come from
    `records_sql` itself: an API response gives them to each of its records.
    """
    extracted = [c for c in spec.columns if c.name not in from_document]
    extract, parts = json_values("_record", extracted)
    cols = ", ".join(
        f"CASE WHEN _ok THEN {identifier(c.name) if c.name in from_document else parts[c.name]} END "
        f"AS {identifier(c.name)}"
        for c in spec.columns
    )
    leading = "_file_index, " if from_document else ""
    # Records cut from a parsed document are valid JSON already: no second validation.
    json_kind = "json_type(_record)" if from_document else "CASE WHEN json_valid(_record) THEN json_type(_record) END"
    try:
        con.execute(
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
