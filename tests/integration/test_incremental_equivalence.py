"""Incremental passes give exactly the marts a full rebuild gives, after every batch.

Two lakes receive the same random sequence of batches through the real loader. After each
batch, lake A takes an incremental pass (the plan of pipelines/lib/passes.py, the dbt build
it asks for, the build recorded and published) and lake B a full rebuild (`--full-refresh`).
Every box-office and render mart must then be equal row for row. Grosses are whole dollars,
so their sums are exact in any order and "equal" means equal; render costs are products of
seconds and prices, summed in another order by each lake, so they are compared to 9 digits.

The batches are what makes incremental logic hard: late reports and Monday actuals for
dates weeks back (every later running total of that film and territory changes), corrected
re-deliveries, files sent twice, chart rows known only by title, and catalog changes that move such rows to
another film (a remake sharing the title) or change a release date; render events out of
order, re-sent, retried (a frame failed, then rendered), priced by the event or by the rate
card for the GPU the event names or nvidia-smi last saw on the worker; Blender logs of
jobs the farm did or did not report; nvidia-smi samples that widen a shot's GPU usage or
change a worker's GPU (a GPU rate change). A change of the rate card itself is a change of
the dbt project, which makes the next pass a full one (tests/unit/test_passes.py).

The social marts are rebuilt whole whenever one of their sources has new rows, so they equal
a full rebuild by construction; the pass-level test in test_pipeline.py covers their wiring.

`make test` tries 3 sequences; BACKLOT_EQUIVALENCE_EXAMPLES=12 tries more (about a minute each).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines import lakehouse
from pipelines.lib import dbt, passes, publish
from pipelines.lib.landing import deliver
from pipelines.lib.loading import load_pending
from pipelines.sample_data.blender_logs import frame_lines
from pipelines.settings import lake_settings
from pipelines.sources import SOURCES

MARTS = (
    "box_office_daily",
    "film_capital_efficiency",
    "production_model_comparison",
    "render_efficiency",
    "render_daily",
    "production_efficiency",
)
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
# Render jobs: (film, shot). Two jobs share a shot; a film has two shots.
JOBS = {
    "j1": ("echo-2026", "s1"),
    "j2": ("echo-2026", "s1"),
    "j3": ("echo-2026", "s2"),
    "j4": ("level-zero-2026", "s1"),
}
WORKERS = ("w1", "w2")
GPUS = ("NVIDIA L4", "nvidia  l4", "NVIDIA H100 80GB HBM3")
FARM_START = datetime(2026, 6, 1)
render_events = st.fixed_dictionaries(
    {
        "job": st.sampled_from(sorted(JOBS)),
        "type": st.sampled_from(["frame_started", "frame_finished", "frame_failed", "job_submitted", "job_finished"]),
        "frame": st.integers(min_value=1, max_value=3),
        "worker": st.sampled_from(WORKERS),
        "minute": st.integers(min_value=0, max_value=3 * 24 * 60),  # out of order, over several days
        "gpu_model": st.one_of(st.none(), st.sampled_from(GPUS)),
        "usd_per_hour": st.one_of(st.none(), st.just(2.5)),
        "render_seconds": st.integers(min_value=1, max_value=900),
    }
)
log_frames = st.lists(
    st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=60, max_value=900), st.booleans()),
    min_size=1,
    max_size=3,
    unique_by=lambda frame: frame[0],
)
gpu_samples = st.lists(
    st.tuples(st.integers(min_value=0, max_value=3 * 24 * 60), st.sampled_from(GPUS), st.integers(0, 100)),
    min_size=1,
    max_size=6,
)
batches = st.one_of(
    st.tuples(st.just("chart"), st.lists(chart_rows, min_size=1, max_size=12)),
    st.tuples(st.just("correction"), st.integers(min_value=1, max_value=3)),  # a re-sent file with new grosses
    st.tuples(st.just("remake"), days),  # a film sharing Echo's title key, released that day
    st.tuples(st.just("release_date"), film_ids, st.integers(min_value=-10, max_value=10)),
    st.tuples(st.just("events"), st.lists(render_events, min_size=1, max_size=10)),
    st.tuples(st.just("resend_events")),  # every event already loaded: quarantined, nothing new
    st.tuples(st.just("log"), st.sampled_from(sorted(JOBS)), st.sampled_from(WORKERS), log_frames),
    st.tuples(st.just("samples"), st.sampled_from(WORKERS), gpu_samples),
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


def _events_jsonl(events: list[dict[str, object]], first_id: int) -> str:
    lines = []
    for number, event in enumerate(events, start=first_id):
        film, shot = JOBS[str(event["job"])]
        record: dict[str, object] = {
            "event_id": f"e{number}",
            "event_type": event["type"],
            "ts": f"{FARM_START + timedelta(minutes=int(event['minute'])):%Y-%m-%dT%H:%M:%SZ}",  # type: ignore[call-overload]
            "job_id": event["job"],
            "film_id": film,
            "shot": shot,
        }
        if str(event["type"]).startswith("frame_"):
            record |= {"frame": event["frame"], "worker": event["worker"], "gpu_model": event["gpu_model"]}
        if event["type"] in ("frame_finished", "frame_failed"):
            record |= {"render_seconds": event["render_seconds"], "usd_per_hour": event["usd_per_hour"]}
        if event["type"] == "frame_finished":
            record |= {"resolution_x": 1920, "resolution_y": 1080}
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


def _blender_log(frames: list[tuple[int, int, bool]]) -> str:
    lines = ["Blender 3.4.1"]
    for frame, seconds, saved in frames:
        lines += frame_lines(frame, float(seconds), saved=saved, path=f"/renders/{frame:04d}.png" if saved else "")
    return "\n".join(lines) + "\n"


def _nvidia_smi_csv(samples: list[tuple[int, str, int]]) -> str:
    rows = [
        f"{FARM_START + timedelta(minutes=minute):%Y/%m/%d %H:%M:%S}.000, 0, {gpu}, {util} %, 9000 MiB, 250.5 W"
        for minute, gpu, util in samples
    ]
    return "\n".join(["timestamp, index, name, utilization.gpu [%], memory.used [MiB], power.draw [W]", *rows]) + "\n"


class Lake:
    """One home: the real loader, and dbt in-process."""

    def __init__(self, home: Path) -> None:
        self.settings = lake_settings(home)
        self.files = itertools.count()
        for source in SOURCES:  # every raw table exists, as after a pipeline pass
            self.land(source, None)

    def connect(self) -> duckdb.DuckDBPyConnection:
        return lakehouse.connect(self.settings)

    def land(self, source: str, text: str | None, name: str | None = None, *, duplicates: bool = False) -> None:
        if text is not None:
            name = name or f"{source}-{next(self.files):03d}.csv"
            deliver(self.settings.landing(source), name, text.encode())
        con = self.connect()
        try:
            report = load_pending(con, SOURCES[source], self.settings.landing(source))
        finally:
            con.close()
        assert report.committed, report.quality.summary() if report.quality else report
        if duplicates:  # a re-sent file: every row already loaded
            assert report.rows_loaded == 0, report
        else:
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
            passes.record_build(con, run_id, plan, marks, list(MARTS))
            publish.publish(con, list(MARTS), run_id)
        finally:
            con.close()
        return plan

    def full_rebuild(self) -> None:
        selection = ["--select", *(f"+{mart}" for mart in MARTS), "--exclude-resource-type", "unit_test"]
        result = dbt.build(self.settings, ["--full-refresh", "--indirect-selection", "cautious", *selection])
        assert result.success, result.error

    def marts(self) -> dict[str, list[tuple[object, ...]]]:
        con = self.connect()
        try:
            return {
                mart: [_rounded(row) for row in con.execute(f"SELECT * FROM audit.{mart} ORDER BY ALL").fetchall()]
                for mart in MARTS
            }
        finally:
            con.close()


def _rounded(row: tuple[object, ...]) -> tuple[object, ...]:
    """Floats to 9 significant digits: two lakes sum the same costs in another order."""
    return tuple(float(f"{value:.9g}") if isinstance(value, float) else value for value in row)


@settings(
    max_examples=int(os.environ.get("BACKLOT_EQUIVALENCE_EXAMPLES", "3")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(chart_rows, min_size=1, max_size=12),
    first_events=st.lists(render_events, min_size=1, max_size=10),
    sequence=st.lists(batches, min_size=2, max_size=4),
)
def test_incremental_passes_equal_a_full_rebuild(  # type: ignore[no-untyped-def]
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, first, first_events, sequence
) -> None:
    # These batches are small against the lake, but a few rows can still be half of a source:
    # the partition-by-partition path is the one under test, so it is never skipped here.
    monkeypatch.setattr(passes, "WHOLE_SHARE", float("inf"))
    incremental = Lake(tmp_path_factory.mktemp("incremental"))
    full = Lake(tmp_path_factory.mktemp("full"))
    films = dict(FILMS)
    sent: list[list[dict[str, object]]] = [first]
    events_sent = [""]
    logs_sent: set[str] = set()
    event_ids = itertools.count()

    def deliver_both(source: str, text: str, name: str | None = None, *, duplicates: bool = False) -> None:
        incremental.land(source, text, name, duplicates=duplicates)
        full.land(source, text, name, duplicates=duplicates)

    def deliver_events(events: list[dict[str, object]]) -> None:
        events_sent[0] = _events_jsonl(events, next(event_ids) * 100)
        deliver_both("render_events", events_sent[0], f"events-{next(event_ids)}.jsonl")

    deliver_both("films", _films_csv(films))
    deliver_both("box_office_daily", _chart_csv(first, films))
    deliver_events(first_events)
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
        elif kind == "events":
            deliver_events(args[0])
        elif kind == "resend_events":
            deliver_both("render_events", events_sent[0], f"events-{next(event_ids)}.jsonl", duplicates=True)
        elif kind == "log":
            job, worker, frames = args
            name = "__".join([*JOBS[job], worker, job]) + ".log"
            if name in logs_sent:  # a log name is one job's log on one worker: not sent twice
                continue
            logs_sent.add(name)
            deliver_both("render_logs", _blender_log(frames), name)
        elif kind == "samples":
            worker, samples = args
            deliver_both("gpu_metrics", _nvidia_smi_csv(samples), f"{worker}__{next(event_ids)}.csv")
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
