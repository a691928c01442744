"""GX suites run in DuckDB (every row) and GX (a sample); their SQL pushdown drives quarantine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from pipelines.lib import quality
from pipelines.settings import QUALITY_DIR

DAILY_ROWS = """
    SELECT * FROM (VALUES
        (DATE '2026-07-10', 'Level Zero', 1000.0, 10, 1, 'domestic', false, NULL::TIMESTAMPTZ, 'f1'),
        (DATE '2026-07-11', 'Level Zero', {gross}, 10, 2, 'domestic', false, NULL::TIMESTAMPTZ, 'f1'),
        (DATE '2026-07-12', 'Level Zero', 3000.0, 10, 3, 'domestic', false, NULL::TIMESTAMPTZ, 'f1')
    ) t(date, title, gross_usd, theaters, rank, territory, is_estimate, reported_at, _file_sha256)
"""


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def _daily(con: duckdb.DuckDBPyConnection, gross: float) -> str:
    con.execute(f"CREATE OR REPLACE TEMP TABLE daily AS {DAILY_ROWS.format(gross=gross)}")
    return "daily"


def _suite(name: str, *expectations: tuple[str, dict[str, Any]]) -> quality.Suite:
    # GX suites are cached by name: every suite built here has its own.
    return quality.Suite(name, tuple(quality.Expectation(t, kw) for t, kw in expectations))


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _evaluate(con: duckdb.DuckDBPyConnection, sql: str, column: str, values: list[Any]) -> list[Any]:
    """`sql` evaluated on one row per value (in order), the value in `column`."""
    rows = ", ".join(f"({i}, {_literal(v)})" for i, v in enumerate(values))
    return [r[0] for r in con.execute(f'SELECT {sql} FROM (VALUES {rows}) t(i, "{column}") ORDER BY i').fetchall()]


# --- run_suite ---------------------------------------------------------------------------------


def test_a_relation_meeting_the_suite_passes_on_every_row(con: duckdb.DuckDBPyConnection) -> None:
    suite = quality.load_suite("raw", "box_office_daily")
    result = quality.run_suite(con, suite, _daily(con, 2000.0))

    assert result.success
    assert result.failures == []
    assert (result.evaluated, result.failed) == (len(suite.expectations), 0)
    assert (result.rows_checked, result.rows_validated_by_gx) == (3, 3)
    assert result.engine_error is None
    assert result.summary() == f"{len(suite.expectations)} expectations passed on 3 rows"


def test_a_violation_fails_the_suite_naming_the_expectation_and_the_count(con: duckdb.DuckDBPyConnection) -> None:
    result = quality.run_suite(con, quality.load_suite("raw", "box_office_daily"), _daily(con, -5.0))

    assert not result.success
    assert result.engine_error is None
    assert "expect_column_values_to_be_between(column=gross_usd, min_value=0): 1 rows (DuckDB, all rows)" in (
        result.failures
    )
    assert "expect_column_values_to_be_between(column=gross_usd, min_value=0): 1 unexpected (GX)" in result.failures
    assert "expect_column_values_to_be_between(column=gross_usd, min_value=0): 1 rows" in result.summary()


def test_the_failed_count_is_the_number_of_failing_expectations(con: duckdb.DuckDBPyConnection) -> None:
    result = quality.run_suite(con, quality.load_suite("raw", "box_office_daily"), _daily(con, -5.0))

    assert result.failed == 1
    assert result.summary().startswith("1 of 8 expectations failed")


def test_every_row_is_checked_even_when_gx_only_sees_a_sample(con: duckdb.DuckDBPyConnection) -> None:
    rows = quality.GX_MAX_ROWS + 20_000
    con.execute(f"CREATE TEMP TABLE big AS SELECT if(range = {rows - 1}, -1, range) AS n FROM range({rows})")
    suite = _suite("test.sample", ("expect_column_values_to_be_between", {"column": "n", "min_value": 0}))

    result = quality.run_suite(con, suite, "big")

    assert result.rows_checked == rows
    assert abs(result.rows_validated_by_gx - quality.GX_MAX_ROWS) < 2_000  # a Bernoulli sample of about that size
    assert not result.success
    assert "expect_column_values_to_be_between(column=n, min_value=0): 1 rows (DuckDB, all rows)" in result.failures


def test_duckdb_and_gx_agree_that_rows_with_an_all_null_key_are_not_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TEMP TABLE keys AS SELECT * FROM (VALUES (1, 1), (1, 1), (NULL, NULL), (NULL, NULL), (1, NULL)) t(a, b)"
    )
    suite = _suite("test.unique", ("expect_compound_columns_to_be_unique", {"column_list": ["a", "b"]}))

    result = quality.run_suite(con, suite, "keys")

    assert result.failures == [
        "expect_compound_columns_to_be_unique(column_list=['a', 'b']): 2 rows (DuckDB, all rows)",
        "expect_compound_columns_to_be_unique(column_list=['a', 'b']): 2 unexpected (GX)",
    ]


def test_uniqueness_counted_from_given_repeated_keys_is_still_exact(con: duckdb.DuckDBPyConnection) -> None:
    # Loading hands over the hashes that repeat in a superset of the rows checked: here the
    # superset also had (2, 2) twice, which the checked rows hold once.
    con.execute("CREATE TEMP TABLE keys AS SELECT * FROM (VALUES (1, 1), (1, 1), (1, 1), (2, 2), (3, 3)) t(a, b)")
    con.execute("CREATE TEMP TABLE superset_repeats AS SELECT hash(a, b) AS hash FROM (VALUES (1, 1), (2, 2)) t(a, b)")
    suite = _suite("test.unique_given", ("expect_compound_columns_to_be_unique", {"column_list": ["a", "b"]}))

    given = quality.run_suite(con, suite, "keys", repeated_keys={("a", "b"): "SELECT hash FROM superset_repeats"})
    found = quality.run_suite(con, suite, "keys")

    assert (
        given.failures[0]
        == found.failures[0]
        == ("expect_compound_columns_to_be_unique(column_list=['a', 'b']): 3 rows (DuckDB, all rows)")
    )


# A min above the max: DuckDB counts no violation on an all-null column, GX raises while computing
# its metric. That is an engine error, not a verdict about the data.
ENGINE_ERROR_SUITE = (
    "expect_column_values_to_be_between",
    {"column": "n", "min_value": 10, "max_value": 1},
)


def test_a_gx_engine_error_fails_closed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE t AS SELECT NULL::BIGINT AS n FROM range(3)")

    result = quality.run_suite(con, _suite("test.engine_error_closed", ENGINE_ERROR_SUITE), "t")

    assert not result.success


def test_a_gx_engine_error_is_reported_as_an_engine_error_not_as_bad_data(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE t AS SELECT NULL::BIGINT AS n FROM range(3)")

    result = quality.run_suite(con, _suite("test.engine_error_reported", ENGINE_ERROR_SUITE), "t")

    assert not result.success
    assert result.engine_error is not None
    assert "min_value cannot be greater than max_value" in result.engine_error
    assert result.summary().startswith("GX engine error (not a data failure; failing closed)")


def test_an_expectation_on_a_missing_column_never_passes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE t AS SELECT 1 AS n")
    suite = _suite("test.missing_column", ("expect_column_values_to_not_be_null", {"column": "nope"}))

    # DuckDB refuses the pushed-down SQL before GX runs: the check raises, it never passes.
    with pytest.raises(duckdb.BinderException, match='"nope"'):
        quality.run_suite(con, suite, "t")


# --- SQL pushdown ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expectation", "values", "satisfied"),
    [
        (("expect_column_values_to_not_be_null", {"column": "v"}), [1, None], [True, False]),
        (
            ("expect_column_values_to_be_between", {"column": "v", "min_value": 0}),
            [-1, 0, 7, None],
            [False, True, True, True],
        ),
        (
            ("expect_column_values_to_be_between", {"column": "v", "max_value": 10, "strict_max": True}),
            [9, 10, None],
            [True, False, True],
        ),
        (
            ("expect_column_values_to_be_between", {"column": "v", "min_value": 1, "max_value": 3, "strict_min": True}),
            [1, 2, 3, 4],
            [False, True, True, False],
        ),
        (
            ("expect_column_values_to_be_in_set", {"column": "v", "value_set": ["indie_digital", "it's"]}),
            ["indie_digital", "it's", "indie", None],
            [True, True, False, True],
        ),
        (
            ("expect_column_values_to_match_regex", {"column": "v", "regex": "^[a-z0-9][a-z0-9-]*$"}),
            ["level-zero-2026", "Level Zero", "-x", None],
            [True, False, False, True],
        ),
    ],
)
def test_row_predicate_is_true_exactly_for_satisfying_rows_and_nulls_pass_where_gx_lets_them(
    con: duckdb.DuckDBPyConnection, expectation: tuple[str, dict[str, Any]], values: list[Any], satisfied: list[bool]
) -> None:
    predicate = quality.row_predicate(quality.Expectation(*expectation))

    assert _evaluate(con, predicate, "v", values) == satisfied


@pytest.mark.parametrize(
    ("expectation", "value", "reason"),
    [
        (("expect_column_values_to_not_be_null", {"column": "title"}), None, "title is missing"),
        (
            ("expect_column_values_to_be_between", {"column": "gross_usd", "min_value": 0}),
            -5.5,
            "gross_usd -5.5 is out of range (must be at least 0)",
        ),
        (
            ("expect_column_values_to_be_between", {"column": "rank", "min_value": 1, "max_value": 3}),
            7,
            "rank 7 is out of range (must be at least 1 and at most 3)",
        ),
        (
            (
                "expect_column_values_to_be_in_set",
                {"column": "production_model", "value_set": ["indie_digital", "legacy_studio"]},
            ),
            "indie",
            "production_model indie is not one of: indie_digital, legacy_studio",
        ),
        (
            ("expect_column_values_to_match_regex", {"column": "film_id", "regex": "^[a-z']+$"}),
            "Level Zero",
            "film_id Level Zero does not match ^[a-z]+$",
        ),
    ],
)
def test_violation_reason_names_the_column_the_value_and_the_rule(
    con: duckdb.DuckDBPyConnection, expectation: tuple[str, dict[str, Any]], value: Any, reason: str
) -> None:
    column = expectation[1]["column"]

    assert _evaluate(con, quality.violation_reason(quality.Expectation(*expectation)), column, [value]) == [reason]


def test_violation_reason_of_an_exclusive_bound_does_not_contradict_the_value(con: duckdb.DuckDBPyConnection) -> None:
    expectation = quality.Expectation(
        "expect_column_values_to_be_between", {"column": "budget", "min_value": 0, "strict_min": True}
    )

    assert _evaluate(con, quality.row_predicate(expectation), "budget", [0]) == [False]
    [reason] = _evaluate(con, quality.violation_reason(expectation), "budget", [0])
    assert "at least 0" not in reason


def test_batch_level_expectations_have_no_row_predicate() -> None:
    expectation = quality.Expectation("expect_column_values_to_be_unique", {"column": "a"})

    with pytest.raises(ValueError, match="not a row-level expectation"):
        quality.row_predicate(expectation)


@pytest.mark.parametrize("path", sorted(QUALITY_DIR.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_shipped_suite_loads_with_sql_pushdown_for_each_expectation(path: Any) -> None:
    suite = quality.load_suite(path.parent.name, path.stem)

    assert suite.expectations
    assert suite.name == f"{path.parent.name}.{path.stem}"
    for expectation in suite.row_level:
        assert quality.row_predicate(expectation)
        assert quality.violation_reason(expectation)
