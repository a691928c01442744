"""Great Expectations suites, run two ways from one definition.

A suite lives in `quality/<schema>/<table>.json` in GX's own suite format. Every suite
runs on every load in two engines:

* DuckDB, on *all* rows: each expectation is translated to a SQL predicate
  (`pushdown`). Loading uses the row-level predicates to send violating rows to
  quarantine with a reason, and the check counts violations over the whole batch.
* GX itself, on a pandas batch (via Arrow) of the same rows, capped at
  about `GX_MAX_ROWS` rows by a Bernoulli sample. GX's pandas path costs seconds per
  million rows, so validating ten million rows in pandas would dominate a run; the SQL
  pass keeps every row checked while GX keeps its own verdict on the suite.

A GX engine error (an exception, or `exception_info` on a result) is not a data
failure: the check fails closed and says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from pipelines.settings import QUALITY_DIR

GX_MAX_ROWS = 100_000
ROW_LEVEL = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
}
BATCH_LEVEL = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict[str, Any]

    @property
    def columns(self) -> list[str]:
        return list(self.kwargs.get("column_list") or [self.kwargs["column"]])


@dataclass(frozen=True)
class Suite:
    name: str
    expectations: tuple[Expectation, ...]
    # A SQL condition on the rows an incremental pass recomputed (the suite's `meta.pass_rows`):
    # after such a pass only they are checked. None: every row, every time.
    pass_rows: str | None = None

    @property
    def row_level(self) -> list[Expectation]:
        return [e for e in self.expectations if e.type in ROW_LEVEL]


@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failed: int
    rows_checked: int
    rows_validated_by_gx: int
    engine_error: str | None = None
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @classmethod
    def nothing_to_check(cls, suite: str) -> SuiteResult:
        """The result for a batch with no rows to check (only duplicates or rejected files): a pass."""
        return cls(suite, success=True, evaluated=0, failed=0, rows_checked=0, rows_validated_by_gx=0)

    def summary(self) -> str:
        if self.engine_error:
            return f"GX engine error (not a data failure; failing closed): {self.engine_error}"
        if self.success:
            return f"{self.evaluated} expectations passed on {self.rows_checked:,} rows"
        return f"{self.failed} of {self.evaluated} expectations failed: " + "; ".join(self.failures)


def suite_path(schema: str, table: str) -> Path:
    return QUALITY_DIR / schema / f"{table}.json"


@cache
def load_suite(schema: str, table: str) -> Suite:
    raw = json.loads(suite_path(schema, table).read_text())
    expectations = tuple(Expectation(e["type"], e.get("kwargs", {})) for e in raw["expectations"])
    unsupported = [e.type for e in expectations if e.type not in ROW_LEVEL | BATCH_LEVEL]
    if unsupported:
        raise ValueError(f"{suite_path(schema, table)}: no SQL pushdown for {unsupported}")
    return Suite(raw["name"], expectations, raw.get("meta", {}).get("pass_rows"))


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def row_predicate(expectation: Expectation) -> str:
    """SQL that is true when a row satisfies a row-level expectation (nulls pass, as in GX)."""
    kw = expectation.kwargs
    column = f'"{kw["column"]}"'
    match expectation.type:
        case "expect_column_values_to_not_be_null":
            return f"{column} IS NOT NULL"
        case "expect_column_values_to_be_between":
            bounds = []
            if kw.get("min_value") is not None:
                op = ">" if kw.get("strict_min") else ">="
                bounds.append(f"{column} {op} {_literal(kw['min_value'])}")
            if kw.get("max_value") is not None:
                op = "<" if kw.get("strict_max") else "<="
                bounds.append(f"{column} {op} {_literal(kw['max_value'])}")
            return f"({column} IS NULL OR ({' AND '.join(bounds) or 'true'}))"
        case "expect_column_values_to_be_in_set":
            values = ", ".join(_literal(v) for v in kw["value_set"])
            return f"({column} IS NULL OR {column} IN ({values}))"
        case "expect_column_values_to_match_regex":
            return f"({column} IS NULL OR regexp_matches({column}, {_literal(kw['regex'])}))"
    raise ValueError(f"{expectation.type} is not a row-level expectation")


def violation_reason(expectation: Expectation) -> str:
    """SQL text expression explaining, for one row, why it violates the expectation."""
    kw = expectation.kwargs
    column = kw["column"]
    value = f'CAST("{column}" AS VARCHAR)'
    match expectation.type:
        case "expect_column_values_to_not_be_null":
            return f"'{column} is missing'"
        case "expect_column_values_to_be_between":
            parts = []
            if kw.get("min_value") is not None:
                parts.append(f"{'greater than' if kw.get('strict_min') else 'at least'} {kw['min_value']}")
            if kw.get("max_value") is not None:
                parts.append(f"{'less than' if kw.get('strict_max') else 'at most'} {kw['max_value']}")
            return f"'{column} ' || {value} || ' is out of range (must be {' and '.join(parts)})'"
        case "expect_column_values_to_be_in_set":
            allowed = ", ".join(str(v) for v in kw["value_set"])
            return f"'{column} ' || {value} || ' is not one of: {allowed}'"
        case "expect_column_values_to_match_regex":
            return f"'{column} ' || {value} || ' does not match {kw['regex'].replace(chr(39), '')}'"
    raise ValueError(expectation.type)


def key_hash(columns: list[str]) -> str:
    """One 64-bit hash of a key: grouping many keys on it is faster than on the columns
    themselves. Collisions only make candidates, which are then compared exactly."""
    return "hash(" + ", ".join(columns) + ")"


def repeated_hashes(columns: list[str], rows: str) -> str:
    """SQL for the `hash` of every key (`columns`, quoted) that occurs more than once in `rows`
    (a relation, with a WHERE if need be). A collision only adds a candidate: compare the
    candidates' rows on the columns themselves."""
    return f"SELECT {key_hash(columns)} AS hash FROM {rows} GROUP BY ALL HAVING count(*) > 1"


def _duplicates_sql(expectation: Expectation, relation: str, candidates: str | None = None) -> str:
    quoted = [f'"{c}"' for c in expectation.columns]
    columns, key = ", ".join(quoted), key_hash(quoted)
    # GX ignores rows whose key columns are all null; so does this count.
    not_all_null = " OR ".join(f"{c} IS NOT NULL" for c in quoted)
    if candidates is None:
        candidates = repeated_hashes(quoted, f"{relation} WHERE {not_all_null}")
    return (
        f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {relation} "
        f"WHERE ({not_all_null}) AND {key} IN ({candidates}) GROUP BY {columns} HAVING count(*) > 1)"
    )


def _describe(expectation: Expectation) -> str:
    args = ", ".join(f"{k}={v}" for k, v in expectation.kwargs.items())
    return f"{expectation.type}({args})"


def run_suite(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    relation: str,
    *,
    repeated_keys: Mapping[tuple[str, ...], str] | None = None,
) -> SuiteResult:
    """Validate `relation` (a table or view name) with DuckDB on every row and GX on a sample.

    `repeated_keys` maps a uniqueness expectation's columns to `repeated_hashes` of a
    superset of `relation` (loading has just grouped the batch on them to find
    duplicates). Every key repeated in `relation` is among them, so the count is still
    exact over all rows, without grouping every key a second time.
    """
    started = time.perf_counter()
    # Every row-level expectation in one scan; each uniqueness expectation in its own.
    row_level = [(i, e) for i, e in enumerate(suite.expectations) if e.type in ROW_LEVEL]
    counts = ", ".join(["count(*)"] + [f"count(*) FILTER (WHERE NOT {row_predicate(e)})" for _, e in row_level])
    scanned = con.execute(f"SELECT {counts} FROM {relation}").fetchone()
    assert scanned is not None
    rows = int(scanned[0])
    violations = {i: int(n) for (i, _), n in zip(row_level, scanned[1:], strict=True)}
    for i, expectation in enumerate(suite.expectations):
        if expectation.type in BATCH_LEVEL:
            candidates = (repeated_keys or {}).get(tuple(expectation.columns))
            result = con.execute(_duplicates_sql(expectation, relation, candidates)).fetchone()
            violations[i] = int(result[0]) if result and result[0] is not None else 0
    failures = []
    failed_expectations: set[int] = set()
    for index, expectation in enumerate(suite.expectations):
        bad = violations[index]
        if bad:
            failures.append(f"{_describe(expectation)}: {bad:,} rows (DuckDB, all rows)")
            failed_expectations.add(index)

    columns = sorted({c for e in suite.expectations for c in e.columns})
    # Bernoulli: one draw per row, in parallel; a reservoir of the same size costs twice as
    # much. The sample's size varies by a few hundred around the cap.
    sample = f"USING SAMPLE bernoulli({100 * GX_MAX_ROWS / rows:.9f}%) REPEATABLE (42)" if rows > GX_MAX_ROWS else ""
    select = ", ".join(f'"{c}"' for c in columns)
    frame = con.execute(f"SELECT {select} FROM {relation} {sample}").fetch_arrow_table()
    engine_error = None
    try:
        gx_failures = _validate_with_gx(suite, frame)
    except Exception as error:  # any exception inside GX is an engine error, never a data verdict
        engine_error = f"{type(error).__name__}: {error}"
        gx_failures = {}
    failures += [f"{_describe(suite.expectations[i])}: {text} (GX)" for i, text in gx_failures.items()]
    failed_expectations |= set(gx_failures)
    return SuiteResult(
        suite=suite.name,
        success=not failures and engine_error is None,
        evaluated=len(suite.expectations),
        failed=len(failed_expectations),
        rows_checked=rows,
        rows_validated_by_gx=frame.num_rows,
        engine_error=engine_error,
        failures=failures,
        seconds=time.perf_counter() - started,
    )


class GXEngineError(RuntimeError):
    """GX could not evaluate an expectation: not a verdict about the data."""


@cache
def gx_batch_definition() -> Any:
    # GX costs seconds and hundreds of MB to import: only checks pay for it, once a process.
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    asset = context.data_sources.add_pandas("backlot").add_dataframe_asset("batch")
    return asset.add_batch_definition_whole_dataframe("whole")


_GX_SUITES: dict[str, Any] = {}


def _gx_suite(suite: Suite) -> Any:
    if suite.name in _GX_SUITES:
        return _GX_SUITES[suite.name]
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = [ExpectationConfiguration(type=e.type, kwargs=e.kwargs).to_domain_obj() for e in suite.expectations]
    _GX_SUITES[suite.name] = gx.ExpectationSuite(name=suite.name, expectations=expectations)
    return _GX_SUITES[suite.name]


def _raised(info: dict[str, Any]) -> str | None:
    """The exception message in a GX `exception_info`, flat or keyed by metric id (GX 1.x)."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def _validate_with_gx(suite: Suite, frame: Any) -> dict[int, str]:
    """GX's verdict: the failing expectations, by their index in the suite."""
    from pipelines.lib import gx_worker

    verdict = gx_worker.validate(suite, frame)
    return validate_in_process(suite, frame) if verdict is None else verdict


def validate_in_process(suite: Suite, frame: Any) -> dict[int, str]:
    """GX's verdict, computed in this process."""
    batch = gx_batch_definition().get_batch(batch_parameters={"dataframe": frame.to_pandas()})
    result = batch.validate(_gx_suite(suite))
    failures = {}
    for index, item in enumerate(result.results):
        message = _raised(item.exception_info or {})
        if message is not None:
            raise GXEngineError(f"{item.expectation_config.type}: {message}")
        if not item.success:
            failures[index] = f"{(item.result or {}).get('unexpected_count')} unexpected"
    return failures


def record(con: duckdb.DuckDBPyConnection, target: str, result: SuiteResult, run_id: str) -> None:
    """One row in meta.quality_results for one suite run."""
    con.execute(
        "INSERT INTO meta.quality_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)",
        [
            result.suite,
            target,
            result.success,
            result.evaluated,
            result.failed,
            result.engine_error,
            result.rows_checked,
            result.rows_validated_by_gx,
            "; ".join(result.failures) or None,
            run_id,
        ],
    )
