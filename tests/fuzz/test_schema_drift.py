"""Schema drift: a file whose columns changed is never a crash and never a silent loss.

What docs/landing.md ("Schema drift") promises, end to end on a real lake:

* an extra column (or JSON key): loaded without it, with a warning in meta.loads.detail that
  `backlot status` (and `backlot run`) shows;
* a renamed column: required, the file rejected whole, the reason naming the column it may
  be; optional, as an extra one, the warning saying which column it may rename;
* a missing column: required, rejected whole with that reason (JSON: a warning, and each
  record without the value quarantined); optional, unknown, and no warning;
* a new type (text where a number was, an object turned into text): each such row
  quarantined, the reason naming the column and quoting the value;
* another unit (nvidia-smi `[GiB]` for MiB): a header rejects the file, a value its row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines import cli
from pipelines.defs.box_office.sources import BOX_OFFICE_DAILY, FILMS
from pipelines.defs.render.sources import GPU_METRICS, RENDER_EVENTS
from pipelines.defs.social.sources import YOUTUBE
from pipelines.lib.loading import LoadReport
from pipelines.run import FileLoad, RunOutcome
from pipelines.settings import lake_settings
from tests.fuzz.conftest import FuzzLake

FILMS_HEADER = "film_id,title,release_date,production_budget_usd"
DAILY_HEADER = "date,title,gross_usd,theaters"


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A lake of its own (the CLI reads BACKLOT_HOME), with the fuzz catalog of films."""
    home = tmp_path / "home"
    monkeypatch.setenv("BACKLOT_HOME", str(home))
    monkeypatch.chdir(tmp_path)  # settings also read a `.env` in the working directory: there is none here
    drift = FuzzLake(lake_settings(home))
    try:
        yield drift
    finally:
        drift.con.close()


def _outcome(report: LoadReport) -> tuple[str, int, int, str | None]:
    [outcome] = report.files
    return outcome.status, outcome.rows_loaded, outcome.rows_quarantined, outcome.detail


def _reasons(lake: FuzzLake, source: str) -> dict[int | None, str]:
    return dict(lake.con.execute(f"SELECT _row_number, _reason FROM quarantine.{source}").fetchall())


# --- an extra column -------------------------------------------------------------------------------


def test_an_extra_column_is_ignored_with_a_warning_that_backlot_status_shows(
    lake: FuzzLake, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = f"{FILMS_HEADER},mood\nmood-2026,Moody,2026-05-01,100,dark\nsad-2026,Sad,2026-05-02,200,blue\n"
    report = lake.load(FILMS, [("catalog_0501.csv", csv.encode())])

    warning = "schema drift: ignored, not columns of films: 'mood'"
    assert _outcome(report) == ("loaded", 2, 0, warning)  # every row loaded, nothing silently lost
    assert lake.rows("SELECT detail FROM meta.loads WHERE file_name = 'catalog_0501.csv'") == [{"detail": warning}]

    # A second drifted file: one line per source and warning, with its latest file.
    lake.load(FILMS, [("catalog_0502.csv", csv.replace("Moody", "Moodier").encode())])
    assert cli.main(["status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    heading = lines.index("warnings about loaded files (last 7 days; meta.loads.detail):")
    assert lines[heading + 1].startswith(f"  films: {warning} (2 files, latest catalog_0502.csv at ")

    assert cli.main(["status", "--format", "json"]) == 0
    [shown] = json.loads(capsys.readouterr().out)["load_warnings"]
    assert (shown["source"], shown["warning"], shown["files"], shown["latest_file"]) == (
        "films",
        warning,
        2,
        "catalog_0502.csv",
    )


def test_a_clean_file_adds_no_warning_and_status_shows_none(lake: FuzzLake, capsys: pytest.CaptureFixture[str]) -> None:
    report = lake.load(FILMS, [("clean.csv", f"{FILMS_HEADER}\nclean-2026,Clean,2026-05-01,100\n".encode())])

    assert _outcome(report) == ("loaded", 1, 0, None)
    assert cli.main(["status"]) == 0
    assert "warnings about loaded files" not in capsys.readouterr().out


def test_extra_json_keys_are_ignored_with_a_warning(lake: FuzzLake) -> None:
    event = {
        "event_id": "e1",
        "event_type": "job_submitted",
        "ts": "2026-06-02T08:00:00Z",
        "job_id": "j1",
        "film_id": "f",
    }
    lines = [json.dumps({**event, "priority": "high"}), json.dumps({**event, "event_id": "e2", "queue": 3})]
    report = lake.load(RENDER_EVENTS, [("events.jsonl", ("\n".join(lines) + "\n").encode())])

    assert _outcome(report) == (
        "loaded",
        2,
        0,
        "schema drift: ignored, not columns of render_events: 'priority', 'queue'",
    )


def test_api_responses_keep_their_other_keys_without_a_warning(lake: FuzzLake) -> None:
    """An API body has many keys Backlot does not read (etag, thumbnails, ...): that is no drift."""
    body = {
        "fetched_at": "2026-06-20T09:00:00Z",
        "response": {
            "kind": "youtube#videoListResponse",
            "etag": "x",
            "items": [{"kind": "youtube#video", "id": "v1", "etag": "y", "contentDetails": {"duration": "PT2M"}}],
        },
    }
    report = lake.load(YOUTUBE, [("videos.json", json.dumps(body).encode())])

    assert _outcome(report) == ("loaded", 1, 0, None)


# --- a renamed column ------------------------------------------------------------------------------


def test_a_renamed_required_column_rejects_the_file_naming_the_column_it_may_be(lake: FuzzLake) -> None:
    report = lake.load(BOX_OFFICE_DAILY, [("chart.csv", b"date,title,gross,theaters\n2026-07-10,Level Zero,100,10\n")])

    status, loaded, quarantined, detail = _outcome(report)
    assert (status, loaded, quarantined) == ("rejected", 0, 0)
    assert detail == (
        "the header lacks required column(s) gross_usd (found: date, title, gross, theaters); "
        "renamed: 'gross' for gross_usd?"
    )
    assert _reasons(lake, "box_office_daily") == {None: f"whole file rejected: {detail}"}


def test_a_renamed_optional_column_loads_without_it_and_the_warning_says_which_it_may_be(lake: FuzzLake) -> None:
    csv = f"{DAILY_HEADER},distrib\n2026-07-10,Level Zero,100,10,Indie Collective\n"
    report = lake.load(BOX_OFFICE_DAILY, [("chart.csv", csv.encode())])

    assert _outcome(report) == (
        "loaded",
        1,
        0,
        "schema drift: ignored, not columns of box_office_daily: 'distrib' (renamed distributor?)",
    )
    assert lake.rows("SELECT distributor FROM raw.box_office_daily") == [{"distributor": None}]


def test_a_renamed_json_key_warns_and_a_required_value_it_held_quarantines_each_record(lake: FuzzLake) -> None:
    records = [
        {"name": "Renamed Title", "release_date": "2026-01-01", "production_budget_usd": 1},
        {"name": "Another", "release_date": "2026-01-02", "production_budget_usd": 2},
    ]
    report = lake.load(FILMS, [("films.jsonl", "".join(json.dumps(r) + "\n" for r in records).encode())])

    assert _outcome(report) == (
        "loaded",
        0,
        2,
        "schema drift: ignored, not columns of films: 'name'; no record has title, so each is unknown",
    )
    assert set(_reasons(lake, "films").values()) == {"film_id is missing; title is missing"}


# --- a missing column ------------------------------------------------------------------------------


def test_a_missing_required_column_rejects_the_file_with_that_reason(lake: FuzzLake) -> None:
    report = lake.load(FILMS, [("films.csv", b"film_id,title,release_date\nno-budget-2026,No Budget,2026-01-01\n")])

    assert _outcome(report)[:3] == ("rejected", 0, 0)
    assert _reasons(lake, "films") == {
        None: "whole file rejected: the header lacks required column(s) production_budget_usd "
        "(found: film_id, title, release_date)"
    }


def test_a_missing_optional_column_is_unknown_and_no_drift(lake: FuzzLake) -> None:
    report = lake.load(BOX_OFFICE_DAILY, [("chart.csv", f"{DAILY_HEADER}\n2026-07-10,Level Zero,100,10\n".encode())])

    assert _outcome(report) == ("loaded", 1, 0, None)
    assert lake.rows("SELECT rank, territory FROM raw.box_office_daily") == [{"rank": None, "territory": "domestic"}]


# --- a new type ------------------------------------------------------------------------------------


def test_text_where_a_number_was_quarantines_each_such_row_naming_the_column(lake: FuzzLake) -> None:
    csv = (
        f"{DAILY_HEADER}\n"
        "2026-07-10,Level Zero,100,10\n"
        "2026-07-11,Level Zero,one hundred,10\n"
        "2026-07-12,Level Zero,100,ten\n"
        '2026-07-13,Level Zero,"{""usd"": 100}",10\n'
        "2026-07-14,Level Zero,[100],10\n"
    )
    report = lake.load(BOX_OFFICE_DAILY, [("chart.csv", csv.encode())])

    assert _outcome(report) == ("loaded", 1, 4, None)
    assert _reasons(lake, "box_office_daily") == {
        3: "gross_usd 'one hundred' is not a number",
        4: "theaters 'ten' is not a whole number",
        5: """gross_usd '{"usd": 100}' is not a number""",
        6: "gross_usd '[100]' is not a number",
    }


def test_json_values_of_another_type_are_quarantined_per_record(lake: FuzzLake) -> None:
    records = [
        {"title": "Fine", "release_date": "2026-01-01", "production_budget_usd": 1, "genre": ["Horror", "Drama"]},
        {"title": "Object", "release_date": "2026-01-01", "production_budget_usd": {"usd": 1}},
        {"title": "Array", "release_date": "2026-01-01", "production_budget_usd": 1, "domestic_gross_usd": [5000]},
        {"title": "Number Date", "release_date": 20260101, "production_budget_usd": 1},
    ]
    report = lake.load(FILMS, [("films.jsonl", "".join(json.dumps(r) + "\n" for r in records).encode())])

    assert _outcome(report) == ("loaded", 1, 3, None)
    # An array in a text column is kept as its JSON text (it used to be taken for an unknown marker).
    assert lake.rows("SELECT genre FROM raw.films WHERE _file_name = 'films.jsonl'") == [
        {"genre": '["Horror","Drama"]'}
    ]
    reasons = _reasons(lake, "films")
    assert reasons[2] == """production_budget_usd '{"usd":1}' is not a number"""
    assert reasons[3] == "domestic_gross_usd '[5000]' is not a number"
    assert reasons[4].startswith("release_date '20260101' is not an ISO 8601 date")


def test_an_object_that_became_text_is_quarantined_not_loaded_without_its_values(lake: FuzzLake) -> None:
    item = {"kind": "youtube#video", "id": "v1", "snippet": {"title": "Teaser", "publishedAt": "2026-06-01T15:00:00Z"}}
    drifted = {**item, "id": "v2", "snippet": "Teaser (2026-06-01)"}
    body = {
        "fetched_at": "2026-06-20T09:00:00Z",
        "response": {"kind": "youtube#videoListResponse", "items": [item, drifted]},
    }
    report = lake.load(YOUTUBE, [("videos.json", json.dumps(body).encode())])

    assert _outcome(report) == ("loaded", 1, 1, None)
    assert _reasons(lake, "youtube") == {2: "snippet is a JSON varchar, not an object"}
    [raw] = lake.rows("SELECT _raw FROM quarantine.youtube")
    assert json.loads(raw["_raw"])["snippet"] == "Teaser (2026-06-01)"  # the record as it came, to act on


# --- another unit ----------------------------------------------------------------------------------


def test_a_column_in_another_unit_is_not_read_as_this_one(lake: FuzzLake) -> None:
    header = "timestamp, utilization.gpu [%], memory.used [MiB], power.draw [W]"
    samples = (
        f"{header}\n2026/11/24 23:57:28.661, 97 %, 80 GiB, 400 W\n2026/11/24 23:57:29.661, 97 %, 1139 MiB, 400 W\n"
    )
    report = lake.load(GPU_METRICS, [("rtx-01__a.csv", samples.encode())])
    assert _outcome(report) == ("loaded", 1, 1, None)
    assert _reasons(lake, "gpu_metrics") == {2: "memory_used_mib ' 80 GiB' is not a number in MiB"}

    nounits = (
        "timestamp, utilization.gpu [%], memory.used [GiB], power.draw [W]\n2026/11/24 23:57:30.661, 97, 80, 400\n"
    )
    report = lake.load(GPU_METRICS, [("rtx-01__b.csv", nounits.encode())])
    assert _outcome(report)[:3] == ("rejected", 0, 0)
    assert "the header gives memory.used [GiB] in GiB: memory_used_mib is read in MiB" in str(_outcome(report)[3])


# --- what `backlot run` prints ---------------------------------------------------------------------


def test_backlot_run_prints_a_loaded_files_warning() -> None:
    warning = "schema drift: ignored, not columns of films: 'mood'"
    outcome = RunOutcome(
        run_id="r" * 32,
        success=True,
        published=False,
        loads=[
            FileLoad("films", "drifted.csv", "loaded", 2, 0, warning),
            FileLoad("films", "both.csv", "loaded", 1, 1, warning),
            FileLoad("films", "clean.csv", "loaded", 1, 0, None),
        ],
    )

    lines = outcome.render().splitlines()
    assert f"    drifted.csv: loaded - {warning}" in lines
    assert f"    both.csv: loaded - 1 rows quarantined; {warning}" in lines
    assert not any("clean.csv" in line for line in lines)
