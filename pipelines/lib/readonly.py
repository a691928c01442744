"""The read connection's two locks: DuckDB's own sandbox, and only queries get through.

1. `lock_down()`, once the lake is attached READ_ONLY: DuckDB may open no file but the lake's
   data files and its catalog (`allowed_directories`; DuckLake allows its catalog itself),
   reach nothing on the network, install or load no extension, read no Python variable, and
   nobody can switch any of that back on (`lock_configuration`).
2. `check()` / `execute()`, because the sandbox alone is not enough: DuckDB still lets
   `COPY ... TO` write a file inside an allowed directory (over a data file of the lake), and
   still runs DuckLake's upkeep functions from a plain SELECT (`FROM
   ducklake_cleanup_old_files('lake', cleanup_all => true)` deletes data files before the
   read-only catalog refuses its commit). So a statement runs only if DuckDB parses it as a
   query (StatementType.SELECT), and every table function its parse tree calls is one that
   only reads. Anything else is refused before it runs, with one line saying why.

`backlot sql`, `backlot status`, `backlot export`, the BI dialect (pipelines/lib/bi.py) and
`query.open_published()` all read through a connection locked down this way; code that runs
SQL it did not write itself (a dashboard's free-form box) runs it through `execute()`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import duckdb

from pipelines.settings import Settings

READ_ONLY = "refused: this connection is read-only"
SANDBOXED = "refused: this connection cannot reach files or the network"

# Table functions a query may call: generators, DuckDB's description of itself, and the
# lake's history. Every other one is refused: file readers (read_csv, glob, parquet_*),
# other databases (sqlite_*, postgres_*), SQL hidden in a string (query, query_table,
# json_execute_serialized_sql), and DuckLake's upkeep (ducklake_cleanup_old_files, ...).
QUERY_TABLE_FUNCTIONS = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "repeat",
        "repeat_row",
        "json_each",
        "json_tree",
        "histogram",
        "histogram_values",
        "icu_calendar_names",
        "pg_timezone_names",
        "duckdb_columns",
        "duckdb_constraints",
        "duckdb_databases",
        "duckdb_dependencies",
        "duckdb_functions",
        "duckdb_indexes",
        "duckdb_keywords",
        "duckdb_memory",
        "duckdb_schemas",
        "duckdb_sequences",
        "duckdb_settings",
        "duckdb_tables",
        "duckdb_types",
        "duckdb_views",
        "pragma_collations",
        "pragma_database_size",
        "pragma_platform",
        "pragma_show",
        "pragma_table_info",
        "pragma_version",
        "ducklake_snapshots",
        "ducklake_current_snapshot",
        "ducklake_last_committed_snapshot",
        "ducklake_table_info",
        "ducklake_table_changes",
        "ducklake_table_insertions",
        "ducklake_table_deletions",
        "ducklake_list_files",
        "ducklake_options",
        "ducklake_settings",
    }
)
# A scalar function that runs SQL handed to it as a (serialized) string.
REFUSED_SCALAR_FUNCTIONS = frozenset({"json_execute_serialized_sql"})

# Why a statement of each kind is refused, by its first keyword.
WHY = {
    "COPY": "COPY writes a file",
    "EXPORT": "EXPORT DATABASE writes files",
    "IMPORT": "IMPORT DATABASE reads files",
    "INSERT": "INSERT changes data",
    "UPDATE": "UPDATE changes data",
    "DELETE": "DELETE changes data",
    "MERGE": "MERGE changes data",
    "TRUNCATE": "TRUNCATE changes data",
    "CREATE": "CREATE makes a new object",
    "DROP": "DROP removes an object",
    "ALTER": "ALTER changes an object",
    "COMMENT": "COMMENT changes an object",
    "ATTACH": "ATTACH opens another database",
    "DETACH": "DETACH closes a database",
    "INSTALL": "INSTALL adds an extension",
    "FORCE": "INSTALL adds an extension",
    "LOAD": "LOAD loads an extension",
    "UPDATE EXTENSIONS": "UPDATE EXTENSIONS adds extensions",
    "SET": "SET changes a setting",
    "RESET": "RESET changes a setting",
    "USE": "USE changes the connection",
    "CHECKPOINT": "CHECKPOINT writes the lake",
    "VACUUM": "VACUUM writes the lake",
    "CALL": "CALL runs a procedure, not a query",
    "PRAGMA": "PRAGMA runs a procedure, not a query",
    "EXECUTE": "EXECUTE runs a prepared statement",
    "PREPARE": "PREPARE stores a statement",
}


class Refused(Exception):
    """A statement this connection will not run; the message is one line, ready to print."""


def lock_down(con: duckdb.DuckDBPyConnection, settings: Settings) -> duckdb.DuckDBPyConnection:
    """Sandbox `con` for good: only the lake's data files, nothing else, and no way back.

    Call it once everything that needs the outside world is done (extensions loaded, the
    lake attached, views created). DuckDB itself keeps its temp directory (spilling) allowed.
    """
    con.execute(f"SET allowed_directories = [{_literal(settings.data_path)}]")
    con.execute("SET python_enable_replacements = false")  # no Python variable read as a table
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def check(con: duckdb.DuckDBPyConnection, sql: str) -> list[duckdb.Statement]:
    """The statements of `sql`, if every one is a query that only reads; else `Refused`.

    EXPLAIN and EXPLAIN ANALYZE pass when what they explain does. A syntax error is left
    for DuckDB to report (duckdb.ParserException).
    """
    statements = duckdb.extract_statements(sql)
    for statement in statements:
        _check_statement(con, statement)
    return statements


def _check_statement(con: duckdb.DuckDBPyConnection, statement: duckdb.Statement) -> None:
    if statement.type == duckdb.StatementType.EXPLAIN:
        # EXPLAIN ANALYZE runs its statement: judge that one.
        explained = re.fullmatch(r"\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(.*)", statement.query, re.IGNORECASE | re.DOTALL)
        try:
            inner = duckdb.extract_statements(explained.group(1)) if explained else []
        except duckdb.ParserException:
            inner = []
        if len(inner) != 1:
            raise Refused(f"{READ_ONLY} (EXPLAIN [ANALYZE] takes one plain query here, without options)")
        statement = inner[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise Refused(f"{READ_ONLY} ({_why(statement.query)})")
    tree = json.loads(con.execute(f"SELECT json_serialize_sql({_literal(statement.query)})").fetchone()[0])  # type: ignore[index]
    if tree.get("error"):
        # Parsed as a query, but not one DuckDB can describe (PIVOT without an IN list).
        raise Refused(f"{READ_ONLY} ({_why(statement.query)})")
    _check_tree(con, tree)


def execute(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    """Check `sql`, then run its statements on `con`; `con` holds the last one's result.

    Exactly the statements checked are run (not the text parsed again), and an error from
    the sandbox itself comes out as `Refused` too.
    """
    statements = check(con, sql)
    if not statements:
        raise Refused("refused: there is no statement to run")
    try:
        for statement in statements:
            con.execute(statement)
    except duckdb.Error as error:
        raise refusal(error) or error from None
    return con


def refusal(error: duckdb.Error) -> Refused | None:
    """The one-line refusal for an error the sandbox or the read-only attach raised, else None."""
    message = str(error)
    if isinstance(error, duckdb.PermissionException):
        path = re.search(r'Cannot access (?:file|directory) "([^"]*)"', message)
        return Refused(f"{SANDBOXED} (cannot open {path.group(1)})" if path else SANDBOXED)
    extension = re.search(r"required extension '(\w+)'|exists in the (\w+) extension", message)
    if extension:
        # DuckDB would install and load it on the spot; the sandbox forbids that.
        name = extension.group(1) or extension.group(2)
        return Refused(f"{SANDBOXED} (that needs the {name} extension, and this connection loads none)")
    if "the configuration has been locked" in message:
        return Refused(f"{READ_ONLY} (its settings are locked)")
    if "read-only mode" in message:
        kind = re.search(r'statement of type "(\w+)"', message)
        return Refused(f"{READ_ONLY} ({kind.group(1) if kind else 'that statement'} would write the lake)")
    return None


def _why(statement: str) -> str:
    words = re.sub(r"(--[^\n]*|/\*.*?\*/)", " ", statement, flags=re.DOTALL).split()
    if not words:
        # DuckDB adds statements of its own, without text, for a PIVOT that lists no values.
        return "a PIVOT without IN (...) would create a type: list the values it pivots on"
    keyword = words[0].upper()
    if keyword == "UPDATE" and len(words) > 1 and words[1].upper() == "EXTENSIONS":
        keyword = "UPDATE EXTENSIONS"
    if keyword == "COPY" and not re.search(r"\bTO\b", statement, flags=re.IGNORECASE):
        return "COPY ... FROM writes into a table"
    return WHY.get(keyword, f"{keyword} is not a query: only queries run here")


def _check_tree(con: duckdb.DuckDBPyConnection, tree: Any) -> None:
    for node in _nodes(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = str(node["function"]["function_name"]).lower()
            if name not in QUERY_TABLE_FUNCTIONS and _exists(con, name):
                raise Refused(_why_function(name))
        elif kind == "FUNCTION" and str(node.get("function_name", "")).lower() in REFUSED_SCALAR_FUNCTIONS:
            raise Refused(_why_function(str(node["function_name"]).lower()))
        elif kind == "BASE_TABLE" and _names_a_file(str(node.get("table_name", ""))):
            # DuckDB reads `FROM 'x.csv'` as read_csv('x.csv'): a file, not a table.
            raise Refused(f"{SANDBOXED} ('{node['table_name']}' names a file)")


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether `name` is a table function at all: a misspelt one is left for DuckDB to report."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_functions() "
        f"WHERE lower(function_name) = {_literal(name)} AND function_type LIKE 'table%'"
    ).fetchone()
    return bool(row and row[0])


def _why_function(name: str) -> str:
    if name.startswith(("read_", "parquet_", "glob", "sniff_")):
        return f"{SANDBOXED} ({name} reads files)"
    if name.startswith(("postgres_", "sqlite_", "pg_clear")):
        return f"{SANDBOXED} ({name} opens another database)"
    if name in ("query", "query_table", "json_execute_serialized_sql"):
        return f"{READ_ONLY} ({name} runs SQL that cannot be checked)"
    if name.startswith("ducklake_"):
        return f"{READ_ONLY} ({name} changes the lake)"
    return f"{READ_ONLY} ({name} is not a read-only function)"


def _names_a_file(table_name: str) -> bool:
    return any(mark in table_name for mark in ("/", "\\", ".", ":"))


def _literal(text: str) -> str:
    """A SQL string literal. The read path binds no parameters: DuckDB's Python binding imports
    pandas (0.5 s) to inspect the first parameter it meets, half of a cold `backlot sql`."""
    return "'" + text.replace("'", "''") + "'"
