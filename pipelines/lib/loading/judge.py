"""Judging: type every landed cell and give every row that cannot be trusted its reason.

A row's reasons, joined by `; `: a value that does not parse as its column's kind, the
source suite's row-level expectations (pushed down to SQL), and the source's own rules
(e.g. an unknown film, an event already loaded). A row without a reason is good.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import duckdb

from pipelines.lib import quality
from pipelines.lib.loading.spec import AlreadyLoaded, ColumnKind, RowRule, SourceSpec
from pipelines.lib.loading.sql import identifier, literal

# Per numeric kind: the number in a cell `{c}`, parsed once in a step of its own.
NUMBERS: dict[ColumnKind, str] = {
    "number": "chart_number({c})",
    "integer": "chart_number({c})",
    "measure": "measure_number({c})",
}


class Parser(NamedTuple):
    value: str  # SQL for the typed value of a cell `{c}` (`{n}`: its number from NUMBERS)
    problem: str | None  # what a cell that is neither unknown nor parseable is, in its reason


PARSERS: dict[ColumnKind, Parser] = {
    "text": Parser("chart_text({c})", None),
    "number": Parser("{n}", "is not a number"),
    "measure": Parser("{n}", "is not a number"),
    "integer": Parser("CASE WHEN {n} = trunc({n}) THEN TRY_CAST({n} AS BIGINT) END", "is not a whole number"),
    "date": Parser("iso_date({c})", "is not an ISO 8601 date (YYYY-MM-DD)"),
    "timestamp": Parser("iso_timestamp({c})", "is not an ISO 8601 timestamp"),
    "boolean": Parser("chart_boolean({c})", "is not true or false"),
}

# The judged rows of a batch: `_file_index`, `_row_number`, the typed columns, `_reason`.
JUDGED = "_judged"


def judge_sql(spec: SourceSpec, landed: str) -> str:
    """SQL turning landed text rows into typed rows with a `_reason` (NULL = good).

    Each cell is parsed once, in a step of its own: DuckDB would otherwise evaluate a
    parser again wherever its result is used. Whether a cell holds an "unknown" marker is
    asked only of text cells and of cells that did not parse. Only ids, typed values and
    the reason are kept: the text of a rejected row is read back from `landed` when it is
    quarantined, so the wide text never travels twice.
    """
    numbers, values, typed_cols, errors = [], [], [], []
    for column in spec.columns:
        c, value = identifier(column.name), identifier(column.name + "__value")
        number = NUMBERS.get(column.kind)
        parser = PARSERS[column.kind]
        if column.kind == "measure" and column.unit is not None:
            # Another unit is another number (GiB are not MiB): it does not parse as this one.
            number = f"measure_in({{c}}, {literal(re.escape(column.unit))})"
            parser = Parser(parser.value, f"is not a number in {column.unit}")
        if number is not None:
            numbers.append(f"{number.format(c=c)} AS {identifier(column.name + '__number')}")
        values.append(f"{parser.value.format(c=c, n=identifier(column.name + '__number'))} AS {value}")
        typed = value if column.default is None else f"coalesce({value}, {column.default})"
        typed_cols.append(f"{typed} AS {c}")
        if parser.problem is not None:
            errors.append(
                f"CASE WHEN {value} IS NULL AND NOT chart_unknown({c}) "
                f"THEN '{column.name} ''' || {c} || ''' {parser.problem}' END AS {identifier(column.name + '__error')}"
            )
    derived = ", ".join(f"{sql} AS {identifier(name)}" for name, sql in spec.derived.items())
    replace = f" REPLACE ({derived})" if derived else ""

    checked = [c.name for c in spec.columns if PARSERS[c.kind].problem is not None]
    reasons = ["_parse_error"] + [identifier(name + "__error") for name in checked]
    for expectation in spec.suite.row_level:
        column = expectation.kwargs["column"]
        guard = f"{identifier(column + '__error')} IS NULL AND " if column in checked else ""
        reasons.append(
            f"CASE WHEN _parse_error IS NULL AND {guard}NOT {quality.row_predicate(expectation)} "
            f"THEN {quality.violation_reason(expectation)} END"
        )
    typed_names = ", ".join(identifier(c.name) for c in spec.columns)
    return f"""
        WITH parsed AS (
            SELECT *{"".join(", " + n for n in numbers)} FROM {landed} JOIN _files USING (_file_index)
        ), valued AS (
            SELECT *, {", ".join(values)} FROM parsed
        ), typed AS (
            SELECT _file_index, _file_name, _row_number, _parse_error, {", ".join(typed_cols + errors)}
            FROM valued
        ), derived AS (
            SELECT *{replace} FROM typed
        )
        SELECT _file_index, _row_number, {typed_names},
               nullif(concat_ws('; ', {", ".join(reasons)}), '') AS _reason
        FROM derived
    """


def apply_rules(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """Add the source's own rules' reasons (e.g. unknown film) to the judged rows.

    A rule often looks other tables up; run on its own, the lookup carries only the ids
    and the columns it reads instead of every typed column.
    """
    for declared in spec.rules:
        rule = _as_row_rule(spec, declared) if isinstance(declared, AlreadyLoaded) else declared
        if rule.reads:
            columns = ", ".join(identifier(c) for c in rule.reads)
            broken = f"SELECT {columns}, {rule.reason} AS reason FROM (SELECT DISTINCT {columns} FROM {JUDGED})"
            match = " AND ".join(f"{JUDGED}.{identifier(c)} IS NOT DISTINCT FROM d.{identifier(c)}" for c in rule.reads)
        else:
            broken = f"SELECT _file_index, _row_number, {rule.reason} AS reason FROM {JUDGED}"
            match = f"{JUDGED}._file_index = d._file_index AND {JUDGED}._row_number = d._row_number"
        con.execute(
            f"UPDATE {JUDGED} SET _reason = concat_ws('; ', {JUDGED}._reason, d.reason) "
            f"FROM ({broken} WHERE {rule.broken}) d WHERE {match}"
        )


def _as_row_rule(spec: SourceSpec, rule: AlreadyLoaded) -> RowRule:
    """The SQL of "this key is already in raw.<source>"."""
    if len(rule.key) == 1:
        key = identifier(rule.key[0])
        return RowRule(f"{key} IN (SELECT {key} FROM raw.{spec.name})", rule.reason)
    same = " AND ".join(f"_loaded.{identifier(c)} = {JUDGED}.{identifier(c)}" for c in rule.key)
    return RowRule(f"EXISTS (SELECT 1 FROM raw.{spec.name} _loaded WHERE {same})", rule.reason)
