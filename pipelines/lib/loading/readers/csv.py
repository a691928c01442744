"""CSV files, by DuckDB's CSV reader: every value as text, each record with its line."""

from __future__ import annotations

import re

import duckdb

from pipelines.lib.landing import LandedFile
from pipelines.lib.loading.readers.base import (
    MAX_LINE_BYTES,
    NOT_UTF8_LINE,
    FileReader,
    FileRejected,
    drift_warning,
    duckdb_reason,
    numbered_lines,
    renamed_from,
)
from pipelines.lib.loading.spec import SourceSpec
from pipelines.lib.loading.sql import identifier, literal

# Large read buffers make long files faster to read; bigger ones gain nothing more, and
# small files lose nothing (bench/README.md has the figures). It must hold the longest line.
BUFFER_SIZE = max(16 << 20, MAX_LINE_BYTES)


def header_key(name: str) -> str:
    """`" utilization.gpu [%]"` -> `"utilization.gpu"`: case, spaces and a unit suffix do not matter."""
    return re.sub(r"\s*\[[^\]]*\]$", "", name.strip()).strip().lower()


def header_unit(name: str) -> str | None:
    """`" memory.used [MiB]"` -> `"MiB"`: the unit a header names, or None."""
    found = re.search(r"\[([^\]]*)\]$", name.strip())
    return found[1].strip() if found else None


def match_header(spec: SourceSpec, header: list[str]) -> dict[str, str]:
    """Spec column name -> the file's header name, by name or alias, in any order."""
    by_key = {header_key(h): h for h in header}
    found = {}
    for column in spec.columns:
        for candidate in (column.name, *column.aliases):
            if candidate.lower() in by_key:
                found[column.name] = by_key[candidate.lower()]
                break
    return found


def ignored_columns(header: list[str], read: set[str]) -> list[tuple[str, str | None]]:
    """The header's columns the source does not read, as a person would name them (`drift_warning`).

    DuckDB names a column without a name `column<N>` (its position, from 0) and a repeated
    name `<name>_<n>`: those are said as such, not as names the file never had.
    """
    ignored: list[tuple[str, str | None]] = []
    keys = [name.lower() for name in header]
    for position, name in enumerate(header):
        if name in read:
            continue
        unnamed = re.fullmatch(r"column0*(\d+)", name)
        repeated = re.fullmatch(r"(.+)_\d+", name)
        if unnamed and int(unnamed[1]) == position:
            ignored.append((f"an unnamed column (the {_ordinal(position + 1)})", None))
        elif repeated and repeated[1].lower() in keys[:position]:
            ignored.append((f"a second {repeated[1]!r} column", None))
        else:
            ignored.append((repr(name), header_key(name)))
    return ignored


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class CsvReader(FileReader):
    """A header line naming the columns (by name or alias, in any order), then one record per line.

    A record DuckDB cannot split into the header's columns stays a row of its own, with its
    text and why (`store_rejects`); the line of every record is its line in the file
    (header = line 1), blank lines and quoted values spanning lines included.
    """

    def read_file(self, file: LandedFile, table: str) -> str | None:
        con = self.con
        path = literal(str(file.path))
        # When DuckDB's sniffer finds no quote character, RFC 4180's is tried first: in a file
        # whose every record is ragged none parses, so none was sniffed, and `"1,000,000"` was
        # split at its commas into values that looked merely wrong, not a line that could not
        # be split. A quote never closed leaves no header that way: that file is read as sniffed.
        found: dict[str, str] = {}
        if self._sniffed_no_quote(path):
            csv, rejects = self._read(file, path, f"{table}_rfc", "quote = '\"', escape = '\"', ")
            header = [row[0] for row in con.execute(f"DESCRIBE {csv}").fetchall()] if csv else []
            found = match_header(self.spec, header)
        if not found:
            csv, rejects = self._read(file, path, table, "")
            header = [row[0] for row in con.execute(f"DESCRIBE {csv}").fetchall()]
            found = match_header(self.spec, header)
        if not found:
            raise FileRejected(f"{self.spec.no_header_reason} (first line: {', '.join(header)[:200]})")
        ignored = ignored_columns(header, set(found.values()))
        missing = [c for c in self.spec.required if c not in found]
        if missing:
            # A renamed column is the usual cause: say which header name it may be.
            hints = [
                f"{name!r} for {renamed}?"
                for _, name in ignored
                if name and (renamed := renamed_from(name, missing)) is not None
            ]
            raise FileRejected(
                f"the header lacks required column(s) {', '.join(missing)} (found: {', '.join(header) or 'none'})"
                + (f"; renamed: {', '.join(hints)}" if hints else "")
            )
        warning = drift_warning(
            self.spec,
            ignored,
            [name for c in self.spec.columns if c.name not in found for name in (c.name, *c.aliases)],
        )
        # A column in another unit than the source's (`memory.used [GiB]`) would be read as
        # numbers of the wrong size, unit-less values (`csv,nounits`) without a trace.
        for column in self.spec.columns:
            unit = header_unit(found[column.name]) if column.unit and column.name in found else None
            if unit is not None and unit != column.unit:
                raise FileRejected(
                    f"the header gives {found[column.name].strip()} in {unit}: {column.name} is read in "
                    f"{column.unit} (send that column in {column.unit})"
                )
        cols = ", ".join(
            f"{identifier(found[c.name])} AS {identifier(c.name)}"
            if c.name in found
            else f"NULL::VARCHAR AS {identifier(c.name)}"
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
            return warning
        # The k-th accepted record is on the k-th of those lines.
        nulls = ", ".join(f"NULL AS {identifier(c.name)}" for c in self.spec.columns)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS "
            f"SELECT lines.line AS _row_number, {cols}, NULL::VARCHAR AS _raw, NULL::VARCHAR AS _parse_error "
            f"FROM {csv} JOIN (SELECT row_number() OVER (ORDER BY line) - 1 AS _k, line FROM ({lines})) lines "
            f"ON lines._k = {csv}.rowid "
            f"UNION ALL SELECT DISTINCT ON (line) line, {nulls}, csv_line, "
            f"CASE WHEN error_type = 'INVALID ENCODING' THEN {literal(NOT_UTF8_LINE)} "
            "ELSE 'the line could not be split into the header''s columns (' || error_message || ')' END "
            f"FROM {rejects}"
        )
        return warning

    def _sniffed_no_quote(self, path: str) -> bool:
        """Whether DuckDB's sniffer finds no quote character in the file (False when it cannot sniff it)."""
        try:
            row = self.con.execute(f"SELECT Quote FROM sniff_csv({path}, max_line_size = {MAX_LINE_BYTES})").fetchone()
        except duckdb.Error:
            return False  # the read says why
        return row is not None and row[0] in ("", "(empty)", "\0")

    def _read(self, file: LandedFile, path: str, table: str, quoting: str) -> tuple[str, str]:
        """Read the file into the temp table `<table>_csv`, the records it could not split into
        `<table>_rejects`; their names. With `quoting` empty, DuckDB sniffs the quote character.
        FileRejected when DuckDB cannot read it at all: at once with RFC 4180 quoting (the
        sniffed read then says why), on the sniffed read."""
        csv, rejects = f"{table}_csv", f"{table}_rejects"
        options = (
            f"header = true, all_varchar = true, ignore_errors = true, store_rejects = true, {quoting}"
            f"buffer_size = {BUFFER_SIZE}, max_line_size = {MAX_LINE_BYTES}"
        )
        try:
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {csv} AS SELECT * FROM read_csv({path}, {options}, "
                f"rejects_table = '{rejects}', rejects_scan = '{table}_scans')"
            )
        except duckdb.Error as error:
            if quoting:
                return "", ""
            raise FileRejected(f"not readable as CSV: {duckdb_reason(error, file)}") from error
        return csv, rejects

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
            f"SELECT line FROM ({numbered_lines(path)}) "
            f"WHERE line >= 2 AND coalesce(rtrim(text, chr(13)), '') <> '' EXCEPT SELECT line FROM {rejects}"
        )
        if file.not_utf8_line is not None:
            # DuckDB's line reader fails on the whole file at a line that is not UTF-8 (its CSV
            # reader only rejects that line): such a file's non-blank lines are listed here.
            lines = file.path.read_bytes().splitlines()  # at LF, CR or CRLF, as DuckDB's
            listed = f"{rejects}_nonblank"
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {listed} AS SELECT unnest($1::BIGINT[]) AS line",
                [[number for number, line in enumerate(lines, start=1) if number >= 2 and line]],
            )
            nonblank = f"SELECT line FROM {listed} EXCEPT SELECT line FROM {rejects}"
        found = self.con.execute(f"SELECT count(*) FROM ({nonblank})").fetchone()
        # Quoted values spanning lines: then records are numbered as if each were one line.
        return nonblank if found and found[0] == accepted else one_per_line
