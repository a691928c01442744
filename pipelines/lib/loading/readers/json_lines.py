"""JSON Lines files (`.jsonl`, `.ndjson`): one JSON object per line."""

from __future__ import annotations

import json

import duckdb

from pipelines.lib.landing import LandedFile
from pipelines.lib.loading.json_paths import json_shape, read_json_columns, read_json_field
from pipelines.lib.loading.readers.base import NOT_UTF8_LINE, FileReader, numbered_lines
from pipelines.lib.loading.readers.json_records import DRIFT_SAMPLE, json_drift, read_json_records
from pipelines.lib.loading.sql import identifier, literal

# Files with lines this long or longer are left to the line reader, which takes lines up to
# `base.MAX_LINE_BYTES` and rejects a file with a longer one, saying so. Above the landing
# scan's chunk: its bound on the longest line is never less than a chunk.
FAST_MAX_LINE = 1_500_000
# `read_json`'s buffer: larger than its default is faster on millions of lines. It bounds a
# buffer, not lines: long lines are kept out by FAST_MAX_LINE.
MAXIMUM_OBJECT_SIZE = 64 << 20


# JSON Lines are sampled for schema drift from their start, in Python: a query a file would
# cost a batch of a thousand small files seconds. A first line longer than this gives no sample.
DRIFT_SAMPLE_BYTES = 1 << 20


def head_keys(file: LandedFile) -> set[str]:
    """The top-level keys of the file's first records (DRIFT_SAMPLE at most) that are objects."""
    with file.path.open("rb") as handle:
        head = handle.read(DRIFT_SAMPLE_BYTES).removeprefix(b"\xef\xbb\xbf")
    lines = head.splitlines()
    if file.size > DRIFT_SAMPLE_BYTES:
        lines = lines[:-1]  # the last may be cut
    keys: set[str] = set()
    objects = 0
    for line in lines:
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, blank, nested too deep for
            continue  # Python: DuckDB judges (and quarantines) it as a record all the same
        if isinstance(record, dict):
            keys.update(record)
            objects += 1
            if objects == DRIFT_SAMPLE:
                break
    return keys


class JsonLinesReader(FileReader):
    """Each line a record: by DuckDB's JSON reader when provably the same, else line by line."""

    def read_file(self, file: LandedFile, table: str) -> str | None:
        if file.not_utf8_line is not None:
            self._read_not_utf8(file, table)
        elif not self._read_fast(file, table):
            # Line by line: every line is a record, whatever is wrong with it.
            path = literal(str(file.path))
            numbered = f"SELECT line AS _row_number, text AS _record FROM ({numbered_lines(path)})"
            read_json_records(self.con, self.spec, numbered, table, file=file)
        return json_drift(self.spec, head_keys(file))

    def _read_not_utf8(self, file: LandedFile, table: str) -> None:
        """Line by line in Python, for a file with lines that are not UTF-8 (the scan found one).

        DuckDB's line reader fails on the whole file at the first such line; here that line is
        quarantined on its own, with its text as best decoded, and every other line is read as
        usual. Lines end where DuckDB's end them (LF, CR or CRLF), so they are numbered alike.
        Rare, so the file is simply read into memory.
        """
        import pyarrow as pa

        texts, spoiled = [], []
        for number, line in enumerate(file.path.read_bytes().splitlines(), start=1):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                text = line.decode("utf-8", errors="replace")
                spoiled.append(number)
            texts.append(text.removeprefix("\ufeff") if number == 1 else text)
        lines = pa.table({"_row_number": pa.array(range(1, len(texts) + 1), pa.int64()), "_record": texts})
        self.con.register("_lines_arrow", lines)
        try:
            read_json_records(self.con, self.spec, "SELECT _row_number, _record FROM _lines_arrow", table)
        finally:
            self.con.unregister("_lines_arrow")
        nulls = ", ".join(f"{identifier(c.name)} = NULL" for c in self.spec.columns)
        self.con.execute(
            f"UPDATE {table} SET {nulls}, _raw = bad._text, _parse_error = $1 "
            "FROM (SELECT unnest($2::BIGINT[]) AS _line, unnest($3::VARCHAR[]) AS _text) bad "
            "WHERE _row_number = bad._line",
            [NOT_UTF8_LINE, spoiled, [texts[n - 1] for n in spoiled]],
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
