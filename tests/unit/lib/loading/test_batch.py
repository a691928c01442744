"""Loading landed files into raw and quarantine, one batch at a time, on a real DuckLake."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from pipelines.defs.box_office.sources import BOX_OFFICE_DAILY, FILMS
from pipelines.lib import landing, loading, quality
from pipelines.lib.loading import LoadReport, SourceSpec
from pipelines.lib.loading.readers import json_lines
from pipelines.lib.loading.readers.json_lines import JsonLinesReader

DAILY_HEADER = "date,title,gross_usd,theaters,film_id,rank,territory,is_estimate,reported_at\n"
FILMS_HEADER = "film_id,title,release_date,production_budget_usd,production_model\n"


def _raw(lake: Any, source: str, columns: str = "*") -> dict[int, dict[str, Any]]:
    """raw.<source> rows by line number."""
    return {r["_row_number"]: r for r in lake.rows(f"SELECT {columns}, _row_number FROM raw.{source}")}


def _reasons(lake: Any, source: str) -> dict[int | None, str]:
    """quarantine.<source> reasons by line number."""
    return dict(lake.con.execute(f"SELECT _row_number, _reason FROM quarantine.{source}").fetchall())


def _single(report: LoadReport) -> tuple[str, int, int]:
    [outcome] = report.files
    return outcome.status, outcome.rows_loaded, outcome.rows_quarantined


# --- 1. numbers, dates, booleans, timestamps -------------------------------------------------


def test_chart_formatted_numbers_parse_and_unknown_markers_become_null_never_zero(catalog: Any) -> None:
    report = catalog.load(
        BOX_OFFICE_DAILY,
        (
            "daily.csv",
            DAILY_HEADER + '2026-07-10,Level Zero,"$1,234,567","4,539",,1,,,\n'
            "2026-07-11,Level Zero,+15.2%,-,,-,,,\n"
            "2026-07-12,Level Zero,n/c,n/c,,n/c,,,\n"
            "2026-07-13,Level Zero,N/A,N/A,,N/A,,,\n"
            "2026-07-14,Level Zero,,,,,,,\n"
            '2026-07-15,Level Zero," $ 2,000 ",[N/A],,—,,,\n'
            "2026-07-16,Level Zero,1e3, 12 ,,[Not Supported],,,\n",
        ),
    )

    assert _single(report) == ("loaded", 7, 0)
    raw = _raw(catalog, "box_office_daily", "gross_usd, theaters, rank")
    assert [(raw[line]["gross_usd"], raw[line]["theaters"], raw[line]["rank"]) for line in range(2, 9)] == [
        (1_234_567.0, 4539, 1),
        (15.2, None, None),
        (None, None, None),
        (None, None, None),
        (None, None, None),
        (2_000.0, None, None),
        (1_000.0, 12, None),
    ]


def test_unparseable_numbers_dates_and_fractional_counts_are_quarantined_naming_column_and_value(
    catalog: Any,
) -> None:
    report = catalog.load(
        BOX_OFFICE_DAILY,
        (
            "daily.csv",
            DAILY_HEADER + '2026-07-10,Level Zero,"$12,x00",10,,,,,\n'
            "2026-13-45,Level Zero,100,10,,,,,\n"
            "07/14/2026,Level Zero,100,10,,,,,\n"
            "2026-07-11,Level Zero,100,4.5,,,,,\n"
            "2026-07-12,Level Zero,100,10,,2.5,,,\n"
            "2026-07-13,Level Zero,100,10,,,,,yesterday\n"
            "2026-07-14,Level Zero,100,10,,,,,\n",
        ),
    )

    assert _single(report) == ("loaded", 1, 6)
    reasons = _reasons(catalog, "box_office_daily")
    assert reasons == {
        2: "gross_usd '$12,x00' is not a number",
        3: "date '2026-13-45' is not an ISO 8601 date (YYYY-MM-DD)",
        4: "date '07/14/2026' is not an ISO 8601 date (YYYY-MM-DD)",
        5: "theaters '4.5' is not a whole number",
        6: "rank '2.5' is not a whole number",
        7: "reported_at 'yesterday' is not an ISO 8601 timestamp",
    }
    # The quarantined row keeps the text exactly as it arrived.
    assert catalog.scalar("SELECT gross_usd FROM quarantine.box_office_daily WHERE _row_number = 2") == "$12,x00"


def test_every_bad_cell_of_a_row_is_named_in_its_reason(catalog: Any) -> None:
    catalog.load(BOX_OFFICE_DAILY, ("daily.csv", DAILY_HEADER + "2026-02-30,Level Zero,lots,many,,,,maybe,\n"))

    reason = _reasons(catalog, "box_office_daily")[2]
    for part in ("date '2026-02-30'", "gross_usd 'lots'", "theaters 'many'", "is_estimate 'maybe'"):
        assert part in reason


def test_a_rule_checked_once_per_distinct_title_still_quarantines_every_row_with_it(catalog: Any) -> None:
    # The unknown-film rule reads only film_id and title: it runs once per distinct pair,
    # and every row with a broken pair gets the reason.
    lines = [
        "2026-07-10,Nonexistent Film,1,1,,,,,",
        "2026-07-11,Level Zero,1,1,,,,,",
        "2026-07-12,Nonexistent Film,1,1,,,,,",
    ]
    report = catalog.load(BOX_OFFICE_DAILY, ("daily.csv", DAILY_HEADER + "\n".join(lines) + "\n"))

    assert _single(report) == ("loaded", 1, 2)
    assert sorted(_reasons(catalog, "box_office_daily")) == [2, 4]


def test_booleans_accept_true_false_yes_no_1_0_and_default_to_false(catalog: Any) -> None:
    cells = ["true", "false", "yes", "no", "1", "0", "", "TRUE", "No", " Y ", "f"]
    lines = [f"2026-07-{10 + i},Level Zero,100,10,,,,{cell},\n" for i, cell in enumerate(cells)]
    report = catalog.load(BOX_OFFICE_DAILY, ("daily.csv", DAILY_HEADER + "".join(lines)))

    assert _single(report) == ("loaded", len(cells), 0)
    raw = _raw(catalog, "box_office_daily", "is_estimate")
    assert [raw[line]["is_estimate"] for line in range(2, 2 + len(cells))] == [
        True,
        False,
        True,
        False,
        True,
        False,
        False,
        True,
        False,
        True,
        False,
    ]


def test_timestamps_with_z_or_an_offset_are_stored_as_the_same_utc_instant(catalog: Any) -> None:
    catalog.load(
        BOX_OFFICE_DAILY,
        (
            "daily.csv",
            DAILY_HEADER + "2026-07-10,Level Zero,100,10,,,,,2026-07-11T08:00:00Z\n"
            "2026-07-10,Level Zero,100,10,,,uk,,2026-07-11T10:00:00+02:00\n"
            "2026-07-10,Level Zero,100,10,,,japan,,2026-07-11T03:30:00-04:30\n",
        ),
    )

    expected = datetime(2026, 7, 11, 8, 0, tzinfo=UTC)
    assert (
        catalog.rows(
            "SELECT reported_at AS instant, strftime(reported_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS utc "
            "FROM raw.box_office_daily ORDER BY _row_number"
        )
        == [{"instant": expected, "utc": "2026-07-11 08:00"}] * 3
    )


def test_territory_defaults_to_domestic_and_is_lower_cased(catalog: Any) -> None:
    catalog.load(
        BOX_OFFICE_DAILY,
        ("daily.csv", DAILY_HEADER + "2026-07-10,Level Zero,100,10,,,,,\n2026-07-10,Level Zero,100,10,,,UK,,\n"),
        # A file without the optional columns at all.
        ("minimal.csv", "date,title,gross_usd,theaters\n2026-07-11,Level Zero,100,10\n"),
    )

    assert catalog.rows("SELECT _file_name, territory, is_estimate FROM raw.box_office_daily ORDER BY ALL") == [
        {"_file_name": "daily.csv", "territory": "domestic", "is_estimate": False},
        {"_file_name": "daily.csv", "territory": "uk", "is_estimate": False},
        {"_file_name": "minimal.csv", "territory": "domestic", "is_estimate": False},
    ]


def test_an_integer_too_large_for_bigint_is_quarantined_not_a_crash(catalog: Any) -> None:
    report = catalog.load(
        BOX_OFFICE_DAILY,
        ("daily.csv", DAILY_HEADER + "2026-07-10,Level Zero,100,99999999999999999999,,,,,\n"),
    )

    assert _single(report) == ("loaded", 0, 1)
    assert "theaters '99999999999999999999'" in _reasons(catalog, "box_office_daily")[2]


def test_non_finite_numbers_never_reach_raw(catalog: Any) -> None:
    report = catalog.load(
        BOX_OFFICE_DAILY,
        ("daily.csv", DAILY_HEADER + "2026-07-10,Level Zero,NaN,10,,,,,\n2026-07-11,Level Zero,inf,10,,,,,\n"),
    )

    assert report.rows_loaded + report.rows_quarantined == 2
    assert catalog.scalar("SELECT count(*) FROM raw.box_office_daily WHERE NOT isfinite(gross_usd)") == 0


# --- 2. row-level quarantine reasons and line numbers ----------------------------------------


def test_each_kind_of_bad_row_is_quarantined_with_its_reason_at_its_line(catalog: Any) -> None:
    too_many_fields = "2026-07-12,Level Zero,100,10,,,,,,surplus"
    report = catalog.load(
        BOX_OFFICE_DAILY,
        (
            "daily.csv",
            DAILY_HEADER + "2026-07-10,LEVEL ZERO!,100,10,,,,,\n"  # 2: matched case- and punctuation-insensitively
            '2026-07-10,Level Zero,"-$5,000",10,,,uk,,\n'  # 3
            "2026-07-10,,100,10,,,japan,,\n"  # 4
            "2026-07-10,Nonexistent Film,100,10,,,,,\n"  # 5
            "2026-07-10,Whatever,100,10,nope-2026,,,,\n"  # 6
            f"{too_many_fields}\n"  # 7
            "2026-07-11,Dune X,200,20,,,,,\n"  # 8
            "2026-07-11,Dune X,200,20,,,,,\n"  # 9: the same record again
            "2026-07-12,Dune X,200,20,,0,,,\n"  # 10
            "2026-07-13,Dune X (IMAX),300,30,dune-x,,,,\n",  # 11: matched by film_id, whatever the title
        ),
    )

    assert _single(report) == ("loaded", 3, 7)
    assert sorted(_raw(catalog, "box_office_daily")) == [2, 8, 11]
    reasons = _reasons(catalog, "box_office_daily")
    assert reasons[3] == "gross_usd -5000.0 is out of range (must be at least 0)"
    assert reasons[4] == "title is missing"
    assert reasons[5].startswith("unknown film: no title matching 'Nonexistent Film' in the films catalog")
    assert reasons[6] == "unknown film: no film_id 'nope-2026' in the films catalog"
    assert reasons[7].startswith("the line could not be split into the header's columns")
    assert reasons[9].startswith("duplicate of line 8 ")
    assert reasons[10] == "rank 0 is out of range (must be at least 1)"
    assert set(reasons) == {3, 4, 5, 6, 7, 9, 10}
    assert catalog.scalar("SELECT _raw FROM quarantine.box_office_daily WHERE _row_number = 7") == too_many_fields
    assert report.sample_reasons[0] == f"daily.csv line 3: {reasons[3]}"


def test_production_model_outside_the_set_is_quarantined(lake: Any) -> None:
    report = lake.load(
        FILMS,
        (
            "films.csv",
            FILMS_HEADER
            + "a-2026,A,2026-01-01,100,indie\nb-2026,B,2026-01-01,100,legacy_studio\nc-2026,C,2026-01-01,100,\n",
        ),
    )

    assert _single(report) == ("loaded", 2, 1)
    assert _reasons(lake, "films") == {2: "production_model indie is not one of: indie_digital, legacy_studio"}


def test_an_explicit_film_id_must_be_a_lowercase_slug(lake: Any) -> None:
    lake.load(FILMS, ("films.csv", FILMS_HEADER + "Level Zero!,Level Zero,2026-07-10,100,\n"))

    assert _reasons(lake, "films")[2] == "film_id Level Zero! does not match ^[a-z0-9][a-z0-9-]*$"
    assert lake.scalar("SELECT count(*) FROM raw.films") == 0


def test_json_lines_records_that_are_not_objects_are_quarantined_line_by_line(lake: Any) -> None:
    good = '{"title": "A", "release_date": "2026-01-01", "production_budget_usd": 100}'
    other = good.replace('"A"', '"B"')
    report = lake.load(FILMS, ("films.jsonl", f'{good}\n[1, 2]\n\n"just a string"\n{other}\n'))

    assert _single(report) == ("loaded", 2, 2)
    assert sorted(_raw(lake, "films")) == [1, 5]  # line numbers, the blank line 3 included
    assert lake.rows("SELECT _row_number, _reason, _raw FROM quarantine.films ORDER BY 1") == [
        {"_row_number": 2, "_reason": "the record is a JSON array, not an object", "_raw": "[1, 2]"},
        {"_row_number": 4, "_reason": "the record is a JSON varchar, not an object", "_raw": '"just a string"'},
    ]


def test_a_json_lines_line_that_is_not_json_is_quarantined_alone(lake: Any) -> None:
    good = '{"title": "A", "release_date": "2026-01-01", "production_budget_usd": 100}'
    other = good.replace('"A"', '"B"')
    report = lake.load(FILMS, ("films.jsonl", f"{good}\nnot json at all\n{other}\n"))

    assert _single(report) == ("loaded", 2, 1)
    assert lake.rows("SELECT _row_number, _reason, _raw FROM quarantine.films") == [
        {"_row_number": 2, "_reason": "the record is not valid JSON", "_raw": "not json at all"}
    ]


def test_json_lines_values_are_the_json_text_of_each_field(lake: Any) -> None:
    record = (
        '{"title": "A", "release_date": "2026-01-01", "production_budget_usd": 100, '
        '"distributor": -1.0e-7, "genre": {"tags": [1, 2.50]}, "production_model": null}'
    )
    report = lake.load(FILMS, ("films.jsonl", record + "\n"))

    assert _single(report) == ("loaded", 1, 0)
    # a number as DuckDB writes a DOUBLE, other JSON as its compact text
    assert lake.rows("SELECT distributor, genre, production_model, worldwide_gross_usd FROM raw.films") == [
        {"distributor": "-1e-07", "genre": '{"tags":[1,2.5]}', "production_model": None, "worldwide_gross_usd": None}
    ]


_FILM = '{"title": "%s", "release_date": "2026-01-01", "production_budget_usd": 100}'


@pytest.mark.parametrize(
    ("content", "loaded", "quarantined"),
    [
        # a form feed is whitespace to DuckDB's JSON reader, but not to JSON
        (f"{_FILM % 'A'}\n\x0c{_FILM % 'B'}\n", [1], {2: "the record is not valid JSON"}),
        # a CR ends a line, also inside a record
        (
            f"{_FILM % 'A'}\n" + (_FILM % "B").replace(", ", ",\r", 1) + f"\n{_FILM % 'C'}\n",
            [1, 4],
            {2: "the record is not valid JSON", 3: "the record is not valid JSON"},
        ),
        (f"{_FILM % 'A'}\r\n\r\n{_FILM % 'B'}\r\n", [1, 3], {}),
        (f"{_FILM % 'A'}\n   \n {_FILM % 'B'}", [1, 3], {}),
        (f"{_FILM % 'A'}\n\t\n{_FILM % 'B'}\n", [1, 3], {2: "the record is not valid JSON"}),
    ],
    ids=["form-feed", "cr-inside-a-record", "crlf-and-a-blank-line", "spaces-and-no-final-newline", "tab-line"],
)
def test_json_lines_are_numbered_and_judged_line_by_line_whatever_the_whitespace(
    lake: Any, content: str, loaded: list[int], quarantined: dict[int, str]
) -> None:
    lake.load(FILMS, ("films.jsonl", content))

    assert sorted(_raw(lake, "films")) == loaded
    assert _reasons(lake, "films") == quarantined


# Films whose title sits one object down, so the fast path's STRUCT columns are read too.
_NESTED_FILMS = dataclasses.replace(
    FILMS, columns=tuple(dataclasses.replace(c, path="$.film.title") if c.name == "title" else c for c in FILMS.columns)
)
_NESTED = '{"film": {"title": "%s"}, "release_date": "2026-01-01", "production_budget_usd": %s}'
A, B, C = _NESTED % ("A", "1"), _NESTED % ("B", "-1.0e-7"), _NESTED % ("C", '"$3"')


@pytest.mark.parametrize(
    ("content", "fast"),
    [
        (A + "\n" + B + "\n" + C, True),
        (A + '\n{"film": {"title": {"x": [1, 2.50]}}, "genre": true, "title": "no"}\n', True),
        (A + "\nnull\n" + B + "\n", False),  # to DuckDB's reader, a null line is a record of nulls
        (A + "\n{}\n", False),
        (A + "\n\x0b" + B + "\n", False),
        (A + "\n\n" + B + "\n", False),
        (A + "\n" + B + " " + C + "\n", False),
        ('{"film": "A", "release_date": "2026-01-01"}\n', False),  # a path through a string
        ('{"release_date": "2026-01-01", "release_date": "2026-01-02"}\n', False),  # repeated keys
        (_NESTED % ("A" * 1_600_000, "1") + "\n", False),  # longer than the fast path takes
    ],
    ids=[
        "numbers",
        "json-values",
        "null-line",
        "empty-object",
        "vertical-tab",
        "blank",
        "two-on-a-line",
        "path-through-a-string",
        "repeated-key",
        "long-line",
    ],
)
def test_json_lines_read_fast_only_where_that_is_line_by_line_reading(
    lake: Any, monkeypatch: pytest.MonkeyPatch, content: str, fast: bool
) -> None:
    """Whether or not DuckDB's JSON reader takes the file, every row loads or is quarantined as line by line."""
    taken: list[bool] = []
    read_fast = JsonLinesReader._read_fast

    def spy(reader: Any, file: Any, table: str) -> bool:
        taken.append(read_fast(reader, file, table))
        return taken[-1]

    def outcome() -> tuple[list[Any], list[Any]]:
        raw = lake.con.execute(
            "SELECT * EXCLUDE (_loaded_at, _file_sha256) FROM raw.films ORDER BY _row_number"
        ).fetchall()
        quarantined = lake.con.execute(
            "SELECT * EXCLUDE (_quarantined_at, _file_sha256) FROM quarantine.films ORDER BY _row_number"
        ).fetchall()
        return raw, quarantined

    monkeypatch.setattr(JsonLinesReader, "_read_fast", spy)
    lake.load(_NESTED_FILMS, ("films.jsonl", content))
    fast_outcome = outcome()
    lake.con.execute("DELETE FROM raw.films; DELETE FROM quarantine.films; DELETE FROM meta.loads")
    monkeypatch.setattr(json_lines, "FAST_MAX_LINE", 0)  # every file line by line
    lake.load(_NESTED_FILMS, ("films.jsonl", content))

    assert taken == [fast, False]
    assert outcome() == fast_outcome
    assert sum(map(len, fast_outcome)) == len([line for line in content.split("\n") if line.strip(" ")])


def test_a_one_column_json_lines_file_with_a_line_that_is_not_an_object_is_read_line_by_line(
    lake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Left to detect `records`, DuckDB's reader would take each line whole as the one column.
    notes = SourceSpec(name="notes", formats=("jsonl",), columns=(loading.Column("note"),))
    not_null = quality.Expectation("expect_column_values_to_not_be_null", {"column": "note"})
    monkeypatch.setattr(quality, "load_suite", lambda schema, table: quality.Suite(f"{schema}.{table}", (not_null,)))
    lake.load(notes, ("notes.jsonl", '{"note": "a"}\n[1]\n{"note": "b"}\n'))

    assert lake.rows("SELECT note, _row_number FROM raw.notes ORDER BY 2") == [
        {"note": "a", "_row_number": 1},
        {"note": "b", "_row_number": 3},
    ]
    assert _reasons(lake, "notes") == {2: "the record is a JSON array, not an object"}


def test_text_loses_surrounding_spaces_unicode_ones_too(lake: Any) -> None:
    # DuckDB's trim() also takes no-break and other Unicode spaces; plain ASCII cells skip it.
    lake.load(
        FILMS,
        (
            "films.csv",
            FILMS_HEADER + "a-2026,\u00a0Level Zero\u2003,2026-01-01,100,\nb-2026,  Dune X ,2026-01-01,100,\n",
        ),
    )

    assert lake.rows("SELECT film_id, title FROM raw.films ORDER BY 1") == [
        {"film_id": "a-2026", "title": "Level Zero"},
        {"film_id": "b-2026", "title": "Dune X"},
    ]


def test_row_numbers_stay_line_numbers_after_a_blank_line(lake: Any) -> None:
    lake.load(FILMS, ("films.csv", FILMS_HEADER + "a-2026,A,2026-01-01,100,\n\nb-2026,B,2026-01-01,100,\n"))

    assert lake.rows("SELECT film_id, _row_number FROM raw.films ORDER BY 1") == [
        {"film_id": "a-2026", "_row_number": 2},
        {"film_id": "b-2026", "_row_number": 4},
    ]


def test_blank_lines_and_a_rejected_line_keep_every_row_on_its_line(lake: Any) -> None:
    content = FILMS_HEADER + "\n".join(
        ["a-2026,A,2026-01-01,100,", "", "b-2026,B,2026-01-01,100,,extra,cells", "", "", "c-2026,C,2026-01-01,x,", ""]
    )
    lake.load(FILMS, ("films.csv", content))

    assert lake.rows("SELECT film_id, _row_number FROM raw.films ORDER BY 1") == [
        {"film_id": "a-2026", "_row_number": 2}
    ]
    assert lake.rows("SELECT _row_number, split_part(_reason, ' ', 1) AS r FROM quarantine.films ORDER BY 1") == [
        {"_row_number": 4, "r": "the"},
        {"_row_number": 7, "r": "production_budget_usd"},
    ]


# --- 3. whole-file rejection -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "name", "content", "reason"),
    [
        (FILMS, "empty.csv", b"", "the file is empty"),
        (
            FILMS,
            "no_budget.csv",
            b"title,release_date\nLevel Zero,2026-07-10\n",
            "the header lacks required column(s) production_budget_usd",
        ),
        (
            BOX_OFFICE_DAILY,
            "chart.csv",
            b"date,film,gross_usd,theaters\n2026-07-10,Level Zero,100,10\n",
            "the header lacks required column(s) title",
        ),
        (BOX_OFFICE_DAILY, "chart.jsonl", b'{"date": "2026-07-10"}\n', "JSONL is not an accepted format"),
    ],
    ids=["empty", "films-header-lacks-budget", "daily-header-lacks-title", "daily-format-not-accepted"],
)
def test_an_unreadable_file_is_rejected_whole_with_its_reason(
    lake: Any, spec: SourceSpec, name: str, content: bytes, reason: str
) -> None:
    report = lake.load(spec, (name, content))

    assert _single(report) == ("rejected", 0, 0)
    [load] = lake.rows(
        "SELECT status, detail, rows_loaded, rows_quarantined FROM meta.loads WHERE file_name = ?", [name]
    )
    assert load["status"] == "rejected"
    assert reason in load["detail"]
    assert (load["rows_loaded"], load["rows_quarantined"]) == (0, 0)
    [row] = lake.rows(f"SELECT _row_number, _reason, _raw, _file_name FROM quarantine.{spec.name}")
    assert row["_row_number"] is None
    assert row["_reason"] == f"whole file rejected: {load['detail']}"
    assert row["_raw"] == content.decode()
    assert row["_file_name"] == name
    assert lake.scalar(f"SELECT count(*) FROM raw.{spec.name}") == 0


def test_a_rejected_file_does_not_hold_back_the_good_files_of_its_batch(lake: Any) -> None:
    report = lake.load(
        FILMS,
        ("good.csv", FILMS_HEADER + "a-2026,A,2026-01-01,100,\n"),
        ("empty.csv", b""),
    )

    assert sorted((f.file.name, f.status) for f in report.files) == [("empty.csv", "rejected"), ("good.csv", "loaded")]
    assert report.committed
    assert lake.scalar("SELECT count(*) FROM raw.films") == 1


def test_a_truncated_json_array_is_rejected_whole(lake: Any) -> None:
    content = b'[{"title": "A", "release_date": "2026-01-01", "production_budget_usd": 100}, {"title": "B", "rel'
    report = lake.load(FILMS, ("films.json", content))

    assert _single(report) == ("rejected", 0, 0)
    [row] = lake.rows("SELECT _row_number, _reason FROM quarantine.films")
    assert row["_row_number"] is None
    assert "not valid JSON" in row["_reason"]
    assert lake.scalar("SELECT count(*) FROM raw.films") == 0


def test_a_json_file_whose_top_level_is_not_an_array_is_rejected_whole(lake: Any) -> None:
    content = json.dumps({"films": [{"title": "A", "release_date": "2026-01-01", "production_budget_usd": 100}]})
    report = lake.load(FILMS, ("films.json", content))

    assert _single(report) == ("rejected", 0, 0)
    [row] = lake.rows("SELECT _row_number, _reason FROM quarantine.films")
    assert row["_row_number"] is None
    assert "expected a JSON array of records, found a JSON object" in row["_reason"]


# --- 4. nothing lost ---------------------------------------------------------------------------

MESSY_FILMS = [
    # (film_id, title, release_date, budget, model): the good, then the bad
    ("a-2026", "A", "2026-01-01", "$1,000", "indie_digital"),
    ("", "B Movie", "2026-01-02", "2000", "legacy_studio"),
    ("c-2026", "C", "2026-02-30", "3000", "indie_digital"),
    ("d-2026", "", "2026-01-04", "4000", ""),
    ("e-2026", "E", "2026-01-05", "-1", ""),
    ("f-2026", "F", "2026-01-06", "6000", "studio"),
    ("a-2026", "A again", "2026-01-01", "1000", ""),
]


def _messy_films(fmt: str) -> tuple[str, str, int]:
    """The messy catalog in `fmt`: (file name, content, records in the file)."""
    records = [dict(zip(FILMS_HEADER.strip().split(","), r, strict=True)) for r in MESSY_FILMS]
    if fmt == "csv":
        body = "".join(",".join(f'"{v}"' if "," in v else v for v in r.values()) + "\n" for r in records)
        return "films.csv", FILMS_HEADER + body + "g-2026,G,2026-01-07,7000,,one too many\n", len(records) + 1
    if fmt == "jsonl":
        return "films.jsonl", "".join(json.dumps(r) + "\n" for r in records) + "[]\n", len(records) + 1
    return "films.json", json.dumps([*records, 42]), len(records) + 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_every_record_of_a_file_lands_in_raw_or_quarantine_and_meta_loads_agrees(lake: Any, fmt: str) -> None:
    name, content, records = _messy_films(fmt)
    report = lake.load(FILMS, (name, content))

    [outcome] = report.files
    sha = outcome.file.sha256
    in_raw = lake.scalar("SELECT count(*) FROM raw.films WHERE _file_sha256 = ?", [sha])
    in_quarantine = lake.scalar("SELECT count(*) FROM quarantine.films WHERE _file_sha256 = ?", [sha])
    assert (in_raw, in_quarantine) == (2, records - 2)
    assert in_raw + in_quarantine == records
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (in_raw, in_quarantine)
    [load] = lake.rows("SELECT status, rows_loaded, rows_quarantined FROM meta.loads WHERE file_sha256 = ?", [sha])
    assert load == {"status": "loaded", "rows_loaded": in_raw, "rows_quarantined": in_quarantine}
    assert lake.scalar("SELECT count(DISTINCT _row_number) FROM quarantine.films WHERE _file_sha256 = ?", [sha]) == (
        in_quarantine
    )


def test_a_null_element_of_a_json_array_is_quarantined_not_lost(lake: Any) -> None:
    content = '[{"title": "A", "release_date": "2026-01-01", "production_budget_usd": 100}, null]'
    report = lake.load(FILMS, ("films.json", content))

    assert _single(report) == ("loaded", 1, 1)


# --- 5. duplicate deliveries -----------------------------------------------------------------


def test_the_same_content_under_a_new_name_is_a_duplicate_and_is_not_loaded_again(lake: Any) -> None:
    content = FILMS_HEADER + "a-2026,A,2026-01-01,100,\nb-2026,B,2026-01-01,100,\n"
    lake.load(FILMS, ("monday.csv", content))
    report = lake.load(FILMS, ("monday_copy.csv", content))

    [outcome] = report.files
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("duplicate", 0, 0)
    assert "monday.csv" in (outcome.detail or "")
    assert lake.scalar("SELECT count(*) FROM raw.films") == 2
    assert lake.rows("SELECT file_name, status FROM meta.loads ORDER BY loaded_at, file_name") == [
        {"file_name": "monday.csv", "status": "loaded"},
        {"file_name": "monday_copy.csv", "status": "duplicate"},
    ]
    assert landing.waiting_paths(lake.settings.landing("films")) == []  # it is not offered again either


def test_the_same_content_twice_in_one_batch_is_loaded_once(lake: Any) -> None:
    content = FILMS_HEADER + "a-2026,A,2026-01-01,100,\n"
    report = lake.load(FILMS, ("one.csv", content), ("two.csv", content))

    assert sorted(f.status for f in report.files) == ["duplicate", "loaded"]
    assert lake.scalar("SELECT count(*) FROM raw.films") == 1


def test_a_corrected_file_under_the_same_name_is_loaded_as_a_new_version(lake: Any) -> None:
    lake.load(FILMS, ("catalog.csv", FILMS_HEADER + "a-2026,A,2026-01-01,100,\n"))
    report = lake.load(FILMS, ("catalog.csv", FILMS_HEADER + "a-2026,A,2026-01-01,150,\n"))

    assert _single(report) == ("loaded", 1, 0)
    versions = lake.rows(
        "SELECT production_budget_usd AS budget, _file_sha256 AS sha FROM raw.films "
        "WHERE _file_name = 'catalog.csv' ORDER BY _loaded_at"
    )
    assert [v["budget"] for v in versions] == [100.0, 150.0]
    assert versions[0]["sha"] != versions[1]["sha"]


# --- 6. films -------------------------------------------------------------------------------


def test_a_film_without_an_id_is_known_by_the_slug_of_title_and_year(lake: Any) -> None:
    lake.load(
        FILMS,
        ("films.csv", FILMS_HEADER + ",Level Zero,2026-07-10,100,\n,  The Man Who Fell: Redux!  ,2025-12-31,100,\n"),
    )

    assert lake.rows("SELECT film_id, title FROM raw.films ORDER BY _row_number") == [
        {"film_id": "level-zero-2026", "title": "Level Zero"},
        {"film_id": "the-man-who-fell-redux-2025", "title": "The Man Who Fell: Redux!"},
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("catalog.csv", 'title,release_date,production_budget_usd\nLevel Zero,2026-07-10,"$1,200,000"\n'),
        (
            "catalog.json",
            '[\n {"title": "Level Zero", "release_date": "2026-07-10", "production_budget_usd": 1200000}\n]\n',
        ),
        (
            "catalog.jsonl",
            '{"title": "Level Zero", "release_date": "2026-07-10", "production_budget_usd": "$1,200,000"}\n',
        ),
    ],
    ids=["csv", "json-array", "json-lines"],
)
def test_films_are_accepted_as_csv_json_array_and_json_lines(lake: Any, name: str, content: str) -> None:
    report = lake.load(FILMS, (name, content))

    assert _single(report) == ("loaded", 1, 0)
    assert lake.rows("SELECT film_id, title, release_date, production_budget_usd, _row_number FROM raw.films") == [
        {
            "film_id": "level-zero-2026",
            "title": "Level Zero",
            "release_date": date(2026, 7, 10),
            "production_budget_usd": 1_200_000.0,
            "_row_number": 2 if name.endswith(".csv") else 1,
        }
    ]


# --- bookkeeping ----------------------------------------------------------------------------


def test_a_file_rewritten_under_the_same_name_during_a_load_is_loaded_too(lake: Any) -> None:
    """A collector rewrites `today.csv` while a batch reads it: that batch loads what it hashed, the next the rest."""
    first = FILMS_HEADER + "a-2026,A,2026-01-01,100,\n"
    second = FILMS_HEADER + "b-2026,B,2026-01-01,200,\n"
    rewritten: list[Any] = []

    def read_while_the_collector_rewrites(path: Any) -> Any:
        if not rewritten:
            rewritten.append(lake.deliver("films", "today.csv", second))
        header, *rows = path.read_text().splitlines()
        for line, row in enumerate(rows, start=2):
            yield {"_row_number": line, **dict(zip(header.split(","), row.split(","), strict=True))}

    lake.deliver("films", "today.csv", first)
    reading = dataclasses.replace(FILMS, record_reader=read_while_the_collector_rewrites)
    during = loading.load_pending(lake.con, reading, lake.settings.landing("films"))
    after = lake.load(FILMS)

    assert rewritten
    assert _single(during) == _single(after) == ("loaded", 1, 0)
    assert lake.rows("SELECT film_id, _file_name FROM raw.films ORDER BY film_id") == [
        {"film_id": "a-2026", "_file_name": "today.csv"},
        {"film_id": "b-2026", "_file_name": "today.csv"},
    ]
    loads = lake.rows("SELECT file_sha256, status FROM meta.loads ORDER BY loaded_at")
    assert [load["status"] for load in loads] == ["loaded", "loaded"]
    assert [load["file_sha256"] for load in loads] == [f.file.sha256 for f in (*during.files, *after.files)]
    assert landing.waiting_paths(lake.settings.landing("films")) == []


def test_loaded_files_are_archived_byte_for_byte_and_no_longer_pending(lake: Any) -> None:
    content = (FILMS_HEADER + "a-2026,A,2026-01-01,100,\n").encode()
    report = lake.load(FILMS, ("films.csv", content))

    source_dir = lake.settings.landing("films")
    assert landing.waiting_paths(source_dir) == []
    [archived] = (source_dir / landing.ARCHIVE).iterdir()
    assert archived.name == f"{report.files[0].file.sha256[:16]}__films.csv"
    assert archived.read_bytes() == content


def test_every_load_records_its_lineage_and_quality_result(lake: Any) -> None:
    report = lake.load(FILMS, ("films.csv", FILMS_HEADER + "a-2026,A,2026-01-01,100,\n"))

    [row] = lake.rows("SELECT _file_sha256, _file_name, _row_number, _loaded_at FROM raw.films")
    assert (row["_file_sha256"], row["_file_name"], row["_row_number"]) == (report.files[0].file.sha256, "films.csv", 2)
    assert row["_loaded_at"] is not None
    [result] = lake.rows(
        "SELECT target, success, evaluated_expectations, engine_error, run_id FROM meta.quality_results"
    )
    assert result == {
        "target": "raw.films",
        "success": True,
        "evaluated_expectations": len(FILMS.suite.expectations),
        "engine_error": None,
        "run_id": report.run_id,
    }


def test_rows_are_not_judged_without_the_catalog_they_are_checked_against(lake: Any) -> None:
    content = b"date,title,gross_usd,theaters\n2026-07-10,Level Zero,100,10\n"
    lake.deliver("box_office_daily", "daily.csv", content)
    source_dir = lake.settings.landing("box_office_daily")
    with pytest.raises(LookupError, match=r"raw\.films, which does not exist yet: load it first"):
        loading.load_pending(lake.con, BOX_OFFICE_DAILY, source_dir)
    # Nothing was quarantined as an unknown film; the file waits (queued) for the next run.
    [waiting] = landing.waiting_paths(source_dir)
    assert (waiting.name, waiting.read_bytes()) == ("daily.csv", content)
    assert lake.scalar("SELECT count(*) FROM meta.loads") == 0


def test_a_json_path_is_a_path_of_object_keys_checked_where_the_column_is_defined() -> None:
    assert loading.Column("views", path="$.statistics.viewCount").json_keys == ("statistics", "viewCount")
    assert loading.Column("n", path='$."odd key".x').json_keys == ("odd key", "x")
    assert loading.Column("plain").json_keys == ("plain",)
    with pytest.raises(ValueError, match="not a path of object keys"):
        loading.Column("first", path="$.items[0]")
