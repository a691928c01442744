"""Read-only analyst access: rendering, the published marts, --as-of, status."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pipelines.defs.box_office.sources import FILMS
from pipelines.lib import publish, quality, query
from pipelines.lib.quality import SuiteResult

COLUMNS = ["film_id", "release_date", "budget", "roi", "note"]
ROWS: list[tuple[Any, ...]] = [
    ("level-zero-2026", date(2026, 7, 10), Decimal("1200000.50"), 2.5, None),
    ("dune-x", None, Decimal("190000000"), None, 'says "hi", twice'),
]


def test_json_is_one_array_of_row_objects_with_nulls_as_null() -> None:
    assert json.loads(query.render(COLUMNS, ROWS, "json")) == [
        {"film_id": "level-zero-2026", "release_date": "2026-07-10", "budget": 1200000.5, "roi": 2.5, "note": None},
        {"film_id": "dune-x", "release_date": None, "budget": 190000000.0, "roi": None, "note": 'says "hi", twice'},
    ]
    assert json.loads(query.render(COLUMNS, [], "json")) == []


def test_csv_has_a_header_quotes_where_needed_and_leaves_nulls_empty() -> None:
    assert query.render(COLUMNS, ROWS, "csv").splitlines() == [
        "film_id,release_date,budget,roi,note",
        "level-zero-2026,2026-07-10,1200000.5,2.5,",
        'dune-x,,190000000.0,,"says ""hi"", twice"',
    ]


def test_table_aligns_columns_marks_nulls_and_counts_rows() -> None:
    lines = query.render(["film_id", "gross"], [("level-zero-2026", 1234.5), ("x", None)], "table").splitlines()

    assert lines == [
        "film_id             gross",
        "---------------  --------",
        "level-zero-2026  1,234.50",
        "x                       ∅",
        "(2 rows)",
    ]
    assert query.render(["a"], [(1,)], "table").endswith("(1 row)")


def _audit_table(lake: Any, rows: list[tuple[str, float]]) -> None:
    lake.con.execute("CREATE OR REPLACE TABLE lake.audit.league (film_id VARCHAR, roi DOUBLE)")
    lake.con.executemany("INSERT INTO lake.audit.league VALUES (?, ?)", [list(r) for r in rows])


def test_unqualified_names_are_the_published_marts_and_audit_rewrites_stay_unseen_until_published(lake: Any) -> None:
    _audit_table(lake, [("level-zero-2026", 2.5)])
    publish.publish(lake.con, ["league"], "run-1")
    _audit_table(lake, [("level-zero-2026", 2.5), ("dune-x", 0.4)])  # the next build, not (yet) published

    assert query.run_sql("SELECT film_id, roi FROM league") == (["film_id", "roi"], [("level-zero-2026", 2.5)])

    publish.publish(lake.con, ["league"], "run-2")
    assert query.run_sql("SELECT count(*) AS films FROM league") == (["films"], [(2,)])


def test_as_of_shows_the_marts_as_an_earlier_publish_left_them(lake: Any) -> None:
    _audit_table(lake, [("level-zero-2026", 2.5)])
    first = publish.publish(lake.con, ["league"], "run-1")
    _audit_table(lake, [("level-zero-2026", 3.0), ("dune-x", 0.4)])
    second = publish.publish(lake.con, ["league"], "run-2")

    assert second.publish_id == first.publish_id + 1
    assert query.run_sql("SELECT * FROM league ORDER BY 1", as_of=first.publish_id)[1] == [("level-zero-2026", 2.5)]
    assert query.run_sql("SELECT * FROM league ORDER BY 1", as_of=second.publish_id)[1] == [
        ("dune-x", 0.4),
        ("level-zero-2026", 3.0),
    ]


def test_status_counts_files_and_rows_per_source(lake: Any) -> None:
    catalog = "title,release_date,production_budget_usd\nA,2026-01-01,100\nB,2026-01-02,200\nC,someday,300\n"
    lake.load(FILMS, ("catalog.csv", catalog), ("empty.csv", b""))
    lake.load(FILMS, ("catalog_again.csv", catalog))

    report = query.status()

    [films] = report["sources"]
    assert {k: v for k, v in films.items() if k != "last_load_at"} == {
        "source": "films",
        "files_loaded": 1,
        "files_duplicate": 1,
        "files_rejected": 1,
        "rows_loaded": 2,
        "rows_quarantined": 1,
    }
    assert films["last_load_at"] is not None
    assert report["last_publish"] is None
    assert report["failing_checks"] == []
    text = query.render_status(report)
    assert "films" in text
    assert "last publish: none" in text
    assert "failing checks: none" in text


def test_status_lists_a_check_until_its_latest_run_passes(lake: Any) -> None:
    failed = SuiteResult(
        "audit.league",
        success=False,
        evaluated=3,
        failed=1,
        rows_checked=10,
        rows_validated_by_gx=10,
        failures=["expect_x(column=roi): 2 rows (DuckDB, all rows)"],
    )
    quality.record(lake.con, "audit.league", failed, "run-1")

    [check] = query.status()["failing_checks"]
    assert (check["target"], check["details"]) == ("audit.league", "expect_x(column=roi): 2 rows (DuckDB, all rows)")
    assert "audit.league: expect_x(column=roi): 2 rows" in query.render_status(query.status())

    passed = SuiteResult("audit.league", success=True, evaluated=3, failed=0, rows_checked=10, rows_validated_by_gx=10)
    quality.record(lake.con, "audit.league", passed, "run-2")
    assert query.status()["failing_checks"] == []


def test_status_reports_the_last_publish(lake: Any) -> None:
    _audit_table(lake, [("level-zero-2026", 2.5)])
    done = publish.publish(lake.con, ["league"], "run-1")

    last = query.status()["last_publish"]

    assert (last["publish_id"], last["snapshot_id"], last["mart_rows"]) == (
        done.publish_id,
        done.snapshot_id,
        {"league": 1},
    )
    assert isinstance(last["published_at"], datetime)
    assert last["published_at"] <= datetime.now(UTC)
