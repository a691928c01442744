"""Incremental passes give exactly the marts a full rebuild gives, after every batch.

Two lakes receive the same random sequence of batches through the real loader. After each
batch, lake A takes an incremental pass (the plan of pipelines/lib/passes.py, the dbt build
it asks for, the build recorded and published) and lake B a full rebuild (`--full-refresh`).
Every box-office mart must then be equal row for row. Grosses are whole dollars, so sums
are exact in any order and "equal" means equal.

The batches are what makes incremental logic hard: late reports and Monday actuals for
dates weeks back (every later running total of that film and territory changes), corrected
re-deliveries, files sent twice, chart rows known only by title, and catalog changes that move such rows to
another film (a remake sharing the title) or change a release date.

The render and social marts are rebuilt whole whenever one of their sources has new rows,
so they equal a full rebuild by construction; the pass-level test in test_pipeline.py covers
their wiring.
"""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import lakehouse
from pipelines.lib import dbt, passes, publish
from pipelines.lib.landing import deliver
from pipelines.lib.loading import load_pending
from pipelines.settings import lake_settings
from pipelines.sources import SOURCES

BOX_OFFICE_MARTS = ("box_office_daily", "film_capital_efficiency", "production_model_comparison")
OPENING = date(2026, 7, 10)
# Two films share a title key ("Echo", "ECHO!"): rows known by title go to the latest one
# released on or before their date, so a catalog change can move them.
FILMS = {
    "echo-2026": ("Echo", OPENING),
    "level-zero-2026": ("Level Zero", OPENING),
    "starfall-2026": ("Starfall Legacy", OPENING + timedelta(days=7)),
}
REMAKE = ("echo-remake", "ECHO!")

film_ids = st.sampled_from(sorted(FILMS))
days = st.integers(min_value=0, max_value=40).map(lambda n: OPENING - timedelta(days=3) + timedelta(days=n))
chart_rows = st.fixed_dictionaries(
    {
        "film": film_ids,
        "by_title": st.booleans(),
        "date": days,
        "territory": st.sampled_from(["domestic", "uk"]),
        "gross": st.integers(min_value=0, max_value=5_000_000),
        "theaters": st.integers(min_value=0, max_value=4_000),
        "is_estimate": st.booleans(),
        "reported_hours": st.integers(min_value=0, max_value=24 * 60),
    }
)
batches = st.one_of(
    st.tuples(st.just("chart"), st.lists(chart_rows, min_size=1, max_size=12)),
    st.tuples(st.just("correction"), st.integers(min_value=1, max_value=3)),  # a re-sent file with new grosses
    st.tuples(st.just("remake"), days),  # a film sharing Echo's title key, released that day
    st.tuples(st.just("release_date"), film_ids, st.integers(min_value=-10, max_value=10)),
)


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _films_csv(films: dict[str, tuple[str, date]]) -> str:
    rows = [[film_id, title, day.isoformat(), 1_000_000, "indie_digital"] for film_id, (title, day) in films.items()]
    return _csv(["film_id", "title", "release_date", "production_budget_usd", "production_model"], rows)


def _chart_csv(rows: list[dict[str, object]], films: dict[str, tuple[str, date]], bump: int = 0) -> str:
    base = OPENING - timedelta(days=3)
    lines = []
    for row in rows:
        film = str(row["film"])
        reported = f"{base + timedelta(hours=int(row['reported_hours']))}T00:00:00Z"  # type: ignore[operator]
        lines.append(
            [
                row["date"],
                films[film][0] if row["by_title"] else "",
                "" if row["by_title"] else film,
                int(row["gross"]) + bump,  # type: ignore[call-overload]
                row["theaters"],
                str(row["is_estimate"]).lower(),
                reported,
                row["territory"],
            ]
        )
    header = ["date", "title", "film_id", "gross_usd", "theaters", "is_estimate", "reported_at", "territory"]
    # A row known by id still needs a title for the loader: give the catalog's.
    for line, row in zip(lines, rows, strict=True):
        if not line[1]:
            line[1] = films[str(row["film"])][0]
    # One report per title, territory, day and report time in a file (the loader quarantines copies).
    unique = {(str(line[1]), line[7], line[0], line[6]): line for line in lines}
    return _csv(header, list(unique.values()))


class Lake:
    """One home: the real loader, and dbt in-process."""

    def __init__(self, home: Path) -> None:
        self.settings = lake_settings(home)
        self.files = itertools.count()
        for source in SOURCES:  # every raw table exists, as after a pipeline pass
            self.land(source, None)

    def connect(self) -> duckdb.DuckDBPyConnection:
        return lakehouse.connect(self.settings)

    def land(self, source: str, text: str | None) -> None:
        if text is not None:
            deliver(self.settings.landing(source), f"{source}-{next(self.files):03d}.csv", text.encode())
        con = self.connect()
        try:
            report = load_pending(con, SOURCES[source], self.settings.landing(source))
        finally:
            con.close()
        assert report.committed, report.quality.summary() if report.quality else report
        assert report.rows_quarantined == 0, report.sample_reasons

    def incremental_pass(self) -> passes.PassPlan:
        """What a pipeline pass does around dbt: plan, build, record, publish."""
        con = self.connect()
        try:
            plan = passes.plan(con)
            marks = passes.watermarks(con, plan.sources)
        finally:
            con.close()
        args = plan.dbt_args()
        if args is None:  # a re-delivered file: nothing new, nothing to rebuild
            return plan
        result = dbt.build(self.settings, args)
        assert result.success, result.error
        run_id = f"run-{next(self.files)}"
        con = self.connect()
        try:
            passes.record_build(con, run_id, plan, marks, list(BOX_OFFICE_MARTS))
            publish.publish(con, list(BOX_OFFICE_MARTS), run_id)
        finally:
            con.close()
        return plan

    def full_rebuild(self) -> None:
        selection = ["--select", *(f"+{mart}" for mart in BOX_OFFICE_MARTS), "--exclude-resource-type", "unit_test"]
        result = dbt.build(self.settings, ["--full-refresh", "--indirect-selection", "cautious", *selection])
        assert result.success, result.error

    def marts(self) -> dict[str, list[tuple[object, ...]]]:
        con = self.connect()
        try:
            return {
                mart: con.execute(f"SELECT * FROM audit.{mart} ORDER BY ALL").fetchall() for mart in BOX_OFFICE_MARTS
            }
        finally:
            con.close()


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=st.lists(chart_rows, min_size=1, max_size=12), sequence=st.lists(batches, min_size=2, max_size=3))
def test_incremental_passes_equal_a_full_rebuild(  # type: ignore[no-untyped-def]
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, first, sequence
) -> None:
    # These batches are small against the lake, but a few rows can still be half of a source:
    # the partition-by-partition path is the one under test, so it is never skipped here.
    monkeypatch.setattr(passes, "WHOLE_SHARE", float("inf"))
    incremental = Lake(tmp_path_factory.mktemp("incremental"))
    full = Lake(tmp_path_factory.mktemp("full"))
    films = dict(FILMS)
    sent: list[list[dict[str, object]]] = [first]

    def deliver_both(source: str, text: str) -> None:
        incremental.land(source, text)
        full.land(source, text)

    deliver_both("films", _films_csv(films))
    deliver_both("box_office_daily", _chart_csv(first, films))
    first_plan = incremental.incremental_pass()
    assert first_plan.full  # nothing was published before
    full.full_rebuild()
    assert incremental.marts() == full.marts()

    for kind, *args in sequence:
        if kind == "chart":
            sent.append(args[0])
            deliver_both("box_office_daily", _chart_csv(args[0], films))
        elif kind == "correction":
            deliver_both("box_office_daily", _chart_csv(sent[-1], films, bump=int(args[0])))
        elif kind == "remake":
            films[REMAKE[0]] = (REMAKE[1], args[0])
            deliver_both("films", _films_csv({REMAKE[0]: films[REMAKE[0]]}))
        else:
            film, shift = args
            films[film] = (films[film][0], films[film][1] + timedelta(days=shift))
            deliver_both("films", _films_csv({film: films[film]}))
        plan = incremental.incremental_pass()
        assert not plan.full, plan
        full.full_rebuild()
        assert incremental.marts() == full.marts(), f"after {kind} {args}"
