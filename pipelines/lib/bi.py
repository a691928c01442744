"""BI tools over SQLAlchemy: the URL `duckdb+backlot:///<home>`, read-only and sandboxed like `backlot sql`.

A plain duckdb-engine URL can open the lake read-only (`duckdb:///ducklake:<catalog>` with
`access_mode=READ_ONLY`), but not sandbox it: DuckDB refuses `allowed_directories` before
the database has started, and without it `enable_external_access=false` also shuts DuckLake
out of its own data files. So this dialect (duckdb-engine's, with its types and
reflection) opens each connection with `query.published_connection` (the published marts by
their bare names, `meta` and `quarantine`, the lake sandboxed and locked) and runs every
statement past `readonly.check`, which refuses writes and escapes before they run.

    duckdb+backlot:////srv/backlot/.backlot                          the home's lake, latest publish
    duckdb+backlot:////srv/backlot/.backlot?as_of=3                  as publish 3 left it
    duckdb+backlot:////srv/backlot/.backlot?catalog=postgres%3A...   a catalog on PostgreSQL

The dialect is found by the entry point `duckdb.backlot` (pyproject.toml) wherever Backlot is
installed; importing this module registers it too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import sqlalchemy
from duckdb_engine import ConnectionWrapper
from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import registry
from sqlalchemy.engine import URL
from sqlalchemy.engine.reflection import ReflectionDefaults

from pipelines.lib import query, readonly
from pipelines.settings import Settings, lake_settings, load_settings

DRIVER = "duckdb+backlot"


class BacklotDialect(DuckDBDialect):
    """duckdb-engine, with Backlot's read connection and statement check."""

    driver = "backlot"
    supports_statement_cache = False

    def create_connect_args(self, url: URL) -> tuple[tuple[Any, ...], dict[str, Any]]:
        options = dict(url.query)
        unknown = set(options) - {"as_of", "catalog", "data_path"}
        if unknown:
            raise sqlalchemy.exc.ArgumentError(f"{DRIVER}: unknown URL options {sorted(unknown)}")
        settings = (
            lake_settings(Path(url.database), catalog=_one(options, "catalog"), data_path=_one(options, "data_path"))
            if url.database
            else load_settings()
        )
        as_of = _one(options, "as_of")
        return (), {"settings": settings, "as_of": int(as_of) if as_of else None}

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        return ConnectionWrapper(query.published_connection(cparams["settings"], cparams["as_of"]))

    def get_multi_columns(
        self,
        connection: Any,
        schema: str | None = None,
        filter_names: Any = None,
        scope: Any = None,
        kind: Any = None,
        **kw: Any,
    ) -> Any:
        """Columns from DuckDB's own `duckdb_columns()`, not the PostgreSQL catalog duckdb-engine asks.

        duckdb-engine 0.17 reflects columns the way SQLAlchemy's PostgreSQL dialect does, and
        since SQLAlchemy 2.0.45 that query joins a pg_collation that DuckDB only half emulates
        (and 2.1 changed the helper it calls): `inspect(engine).get_columns()` failed.
        """
        database, schema_name = self.identifier_preparer._separate(schema)
        rows = connection.execute(
            sqlalchemy.text(
                "SELECT table_name, column_name, data_type, is_nullable, column_default, comment "
                "FROM duckdb_columns() WHERE schema_name = coalesce(:schema, current_schema()) "
                "AND (:database IS NULL OR database_name = :database) ORDER BY table_name, column_index"
            ),
            {"schema": schema_name, "database": database},
        ).all()
        columns: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
        for table, name, data_type, nullable, default, comment in rows:
            if filter_names and table not in filter_names:
                continue
            columns.setdefault((schema, table), []).append(
                {
                    "name": name,
                    "type": self._reflected_type(data_type),
                    "nullable": nullable,
                    "default": default,
                    "autoincrement": False,
                    "comment": comment,
                }
            )
        return columns.items()

    # DuckLake has no primary, unique, foreign or check constraints, indexes or table options,
    # and the marts are views: say so outright instead of asking PostgreSQL catalog tables DuckDB lacks.
    def get_multi_pk_constraint(
        self,
        connection: Any,
        schema: Any = None,
        filter_names: Any = None,
        scope: Any = None,
        kind: Any = None,
        **kw: Any,
    ) -> Any:
        return self._for_each_relation(connection, schema, filter_names, ReflectionDefaults.pk_constraint)

    def get_multi_foreign_keys(  # noqa: PLR0917 (SQLAlchemy's signature)
        self,
        connection: Any,
        schema: Any = None,
        filter_names: Any = None,
        scope: Any = None,
        kind: Any = None,
        postgresql_ignore_search_path: Any = False,
        **kw: Any,
    ) -> Any:
        return self._for_each_relation(connection, schema, filter_names, ReflectionDefaults.foreign_keys)

    def get_multi_unique_constraints(
        self,
        connection: Any,
        schema: Any = None,
        filter_names: Any = None,
        scope: Any = None,
        kind: Any = None,
        **kw: Any,
    ) -> Any:
        return self._for_each_relation(connection, schema, filter_names, ReflectionDefaults.unique_constraints)

    def get_multi_check_constraints(
        self,
        connection: Any,
        schema: Any = None,
        filter_names: Any = None,
        scope: Any = None,
        kind: Any = None,
        **kw: Any,
    ) -> Any:
        return self._for_each_relation(connection, schema, filter_names, ReflectionDefaults.check_constraints)

    def get_multi_indexes(
        self,
        connection: Any,
        schema: Any = None,
        filter_names: Any = None,
        scope: Any = None,
        kind: Any = None,
        **kw: Any,
    ) -> Any:
        return self._for_each_relation(connection, schema, filter_names, ReflectionDefaults.indexes)

    def get_indexes(self, connection: Any, table_name: str, schema: str | None = None, **kw: Any) -> Any:
        return []  # without duckdb-engine's warning that it cannot reflect them

    def get_multi_table_options(
        self,
        connection: Any,
        schema: Any = None,
        filter_names: Any = None,
        scope: Any = None,
        kind: Any = None,
        **kw: Any,
    ) -> Any:
        return self._for_each_relation(connection, schema, filter_names, ReflectionDefaults.table_options)

    def _for_each_relation(self, connection: Any, schema: Any, filter_names: Any, empty: Any) -> Any:
        relations = {table for (_, table), _ in self.get_multi_columns(connection, schema, filter_names)}
        return [((schema, table), empty()) for table in sorted(relations)]

    def _reflected_type(self, data_type: str) -> Any:
        """A SQLAlchemy type for DuckDB's name of a type (`DECIMAL(18,2)`, `TIMESTAMP WITH TIME ZONE`)."""
        parts = re.fullmatch(r"([A-Za-z ]+?)\s*(?:\((\d+)\s*,\s*(\d+)\))?", data_type)
        if not parts:
            return sqltypes.NullType()  # lists, structs, maps
        name = parts.group(1).lower()
        if name == "timestamp with time zone":
            return sqltypes.TIMESTAMP(timezone=True)
        if name in ("decimal", "numeric") and parts.group(2):
            return sqltypes.Numeric(int(parts.group(2)), int(parts.group(3)))
        known = {"double": sqltypes.Double, "decimal": sqltypes.Numeric, "blob": sqltypes.LargeBinary}
        type_class = known.get(name) or self.ischema_names.get(name)
        return type_class() if type_class else sqltypes.NullType()

    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        _check(cursor, statement)
        super().do_execute(cursor, statement, parameters, context)  # type: ignore[no-untyped-call]

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        _check(cursor, statement)
        super().do_execute_no_params(cursor, statement, context)  # type: ignore[no-untyped-call]

    def do_executemany(self, cursor: Any, statement: Any, parameters: Any, context: Any = None) -> None:
        _check(cursor, statement)
        super().do_executemany(cursor, statement, parameters, context)


def _check(cursor: Any, statement: str) -> None:
    """Refuse what `backlot sql` refuses, as a DB-API error so that tools show its message."""
    try:
        readonly.check(cursor.connection, statement)
    except readonly.Refused as refused:
        raise duckdb.PermissionException(str(refused)) from None


def _one(options: dict[str, Any], name: str) -> str | None:
    value = options.get(name)
    return value[-1] if isinstance(value, tuple) else value


registry.register("duckdb.backlot", __name__, BacklotDialect.__name__)


def url(settings: Settings | None = None, *, as_of: int | None = None) -> str:
    """The URL a BI tool needs for this home's lake (only what differs from the home's defaults)."""
    settings = settings or load_settings()
    default = lake_settings(settings.home)
    options = []
    if settings.catalog != default.catalog:
        options.append(f"catalog={quote(settings.catalog, safe='')}")
    if settings.data_path != default.data_path:
        options.append(f"data_path={quote(settings.data_path, safe='')}")
    if as_of is not None:
        options.append(f"as_of={int(as_of)}")
    return f"{DRIVER}:///{settings.home}" + (f"?{'&'.join(options)}" if options else "")


def engine(settings: Settings | None = None, *, as_of: int | None = None, **engine_options: Any) -> sqlalchemy.Engine:
    """A SQLAlchemy engine on the published marts, read-only and sandboxed (see the module's docstring)."""
    return sqlalchemy.create_engine(url(settings, as_of=as_of), **engine_options)
