"""JSON Lines files (`.jsonl`, `.ndjson`): one JSON object per line."""

from __future__ import annotations

import duckdb

from pipelines.lib.landing import LandedFile
from pipelines.lib.loading.json_paths import json_shape, read_json_columns, read_json_field
from pipelines.lib.loading.readers.base import FileReader, numbered_lines
from pipelines.lib.loading.readers.json_records import read_json_records
from pipelines.lib.loading.sql import identifier, literal

# The line reader refuses lines of 2,000,000 bytes or more, so files with lines anywhere
# near that are left to it. Above the landing scan's chunk: its bound on the longest line
# is never less than a chunk.
FAST_MAX_LINE = 1_500_000
# `read_json`'s buffer: larger than its default is faster on millions of lines. It bounds a
# buffer, not lines: long lines are kept out by FAST_MAX_LINE.
MAXIMUM_OBJECT_SIZE = 64 << 20


class JsonLinesReader(FileReader):
    """Each line a record: by DuckDB's JSON reader when provably the same, else line by line."""

    def read_file(self, file: LandedFile, table: str) -> None:
        if self._read_fast(file, table):
            return
        # Line by line: every line is a record, whatever is wrong with it.
        path = literal(str(file.path))
        read_json_records(
            self.con, self.spec, f"SELECT line AS _row_number, text AS _record FROM ({numbered_lines(path)})", table
        )

    def _read_fast(self, file: LandedFile, table: str) -> bool:
        """Read the file with DuckDB's JSON reader if that is the same as reading it line by line.

        Line by line, each line is parsed several times. `read_json` parses each once, in
        parallel, straight into the columns, reading each value as `json_transform` does. It
        fails on a line that is not JSON or not an object, on repeated keys and on a value
        where a column's path needs an object; but it skips blank lines, reads a `null` line
        as a record of nulls, trims VT and FF (which `json_valid` refuses), ends lines at a
        CR, and takes lines longer than the line reader does. So it is used only on files the
        landing scan found without CR, VT or FF and without long lines, and its rows are kept
        only if there are as many as lines (none was skipped) and none is all null: then the
        k-th row is line k. Otherwise (False) the file is read line by line, which says what
        is wrong with which line.
        """
        if file.odd_whitespace or file.longest_line >= FAST_MAX_LINE:
            return False
        shape = json_shape(self.spec.columns)
        objects = f"{table}_objects"
        try:
            # `records = true`: left to detect it, a one-column reader that meets a line that is
            # not an object takes every line whole as the column's value.
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {objects} AS SELECT * FROM read_json({literal(str(file.path))}, "
                f"columns = {read_json_columns(shape)}, format = 'newline_delimited', records = true, "
                f"maximum_object_size = {MAXIMUM_OBJECT_SIZE})"
            )
        except duckdb.Error:
            return False  # e.g. a line that is not JSON: the line reader quarantines it alone
        all_null = " AND ".join(f"{identifier(key)} IS NULL" for key in shape)
        counts = self.con.execute(f"SELECT count(*), count(*) FILTER (WHERE {all_null}) FROM {objects}").fetchone()
        if counts != (file.lines, 0):
            self.con.execute(f"DROP TABLE {objects}")
            return False
        values = ", ".join(f"{read_json_field(c.json_keys)} AS {identifier(c.name)}" for c in self.spec.columns)
        # A table keeps the reader's (file) order, so rowid + 1 is the line.
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT rowid + 1 AS _row_number, {values}, "
            f"NULL::VARCHAR AS _raw, NULL::VARCHAR AS _parse_error FROM {objects}"
        )
        return True
