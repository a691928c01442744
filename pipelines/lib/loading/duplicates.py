"""Duplicates within a batch: later copies of a record under the suite's uniqueness expectations."""

from __future__ import annotations

import duckdb

from pipelines.lib import quality
from pipelines.lib.loading.judge import JUDGED
from pipelines.lib.loading.spec import SourceSpec
from pipelines.lib.loading.sql import identifier


def mark_duplicates(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> dict[tuple[str, ...], str]:
    """Quarantine later copies of a record under the suite's uniqueness expectations.

    `_file_sha256` in a key scopes it to one file. Keys that occur more than once are found
    by grouping on a hash of the key (usually none are); only rows with those hashes go
    through the window, and the few copies are updated in place. Returns, per key, the
    table of those hashes: the suite's own uniqueness count reuses them (`quality.run_suite`).
    """
    repeated_keys = {}
    for number, key in enumerate(e.columns for e in spec.suite.expectations if e.type in quality.BATCH_LEVEL):
        columns = [identifier(c) for c in key]
        hashed, table = quality.key_hash(columns), f"_repeated_keys_{number}"
        repeated_keys[tuple(key)] = f"SELECT hash FROM {table}"
        good = f"{JUDGED} JOIN _files USING (_file_index) WHERE _reason IS NULL"
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
            f"UPDATE {JUDGED} SET _reason = d.reason FROM ("
            f"SELECT _file_index, _row_number, 'duplicate of ' || {first} || first_value(_row_number) OVER w "
            f"|| ' (same {shown})' AS reason FROM {JUDGED} JOIN _files USING (_file_index) "
            f"WHERE _reason IS NULL AND {hashed} IN (SELECT hash FROM {table}) "
            f"WINDOW w AS (PARTITION BY {', '.join(columns)} ORDER BY _file_index, _row_number) "
            "QUALIFY row_number() OVER w > 1"
            f") d WHERE {JUDGED}._file_index = d._file_index AND {JUDGED}._row_number = d._row_number"
        )
    return repeated_keys
