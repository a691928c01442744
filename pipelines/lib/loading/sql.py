"""Writing SQL text safely: quoted identifiers and string literals."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb


def identifier(name: str) -> str:
    """A quoted SQL identifier (a double quote inside is doubled)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def insert_file_list(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[int, str, str]]) -> None:
    """One INSERT of `(index, text, text)` rows: a batch's file list (executemany costs a statement per file)."""
    if rows:
        values = ", ".join(f"({index}, {literal(a)}, {literal(b)})" for index, a, b in rows)
        con.execute(f"INSERT INTO {table} VALUES {values}")
