"""The demo seeder writes reproducible, contract-shaped films and box-office files."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.sample_data.box_office import seed_box_office

BOX_OFFICE_COLUMNS = {
    "date",
    "title",
    "gross_usd",
    "theaters",
    "film_id",
    "distributor",
    "rank",
    "territory",
    "is_estimate",
    "reported_at",
}
BOX_OFFICE_REQUIRED = {"date", "title", "gross_usd", "theaters"}
FILMS_COLUMNS = {
    "film_id",
    "title",
    "release_date",
    "production_budget_usd",
    "distributor",
    "genre",
    "production_model",
    "domestic_gross_usd",
    "worldwide_gross_usd",
}
FILMS_REQUIRED = {"title", "release_date", "production_budget_usd"}
BAD_ROWS_FILE = "daily_corrections_bad_rows.csv"


def _contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _chart_rows(landing: Path) -> list[dict[str, str]]:
    """Every row of the weekly chart files (not the corrections file)."""
    rows: list[dict[str, str]] = []
    for path in sorted((landing / "box_office_daily").glob("daily_*.csv")):
        if path.name != BAD_ROWS_FILE:
            with path.open(newline="", encoding="utf-8") as handle:
                rows.extend({**row, "_file": path.name} for row in csv.DictReader(handle))
    return rows


def _catalog_records(landing: Path) -> list[dict[str, object]]:
    films = landing / "films"
    with (films / "catalog_2026.csv").open(newline="", encoding="utf-8") as handle:
        records: list[dict[str, object]] = list(csv.DictReader(handle))
    lines = (films / "catalog_update.jsonl").read_text(encoding="utf-8").splitlines()
    records.extend(json.loads(line) for line in lines)
    records.extend(json.loads((films / "festival_slate.json").read_text(encoding="utf-8")))
    return records


def _normalized(title: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", title.casefold()).split())


def _dollars(text: str) -> int:
    return int(text.replace("$", "").replace(",", ""))


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("home") / "landing"
    seed_box_office(root)
    return root


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    seed_box_office(first, seed=11)
    seed_box_office(second, seed=11)
    seed_box_office(other, seed=12)

    assert _contents(first) == _contents(second)
    assert _contents(first) != _contents(other)


def test_returns_the_files_it_wrote_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    written = seed_box_office(tmp_path)

    on_disk = sorted(path for path in tmp_path.rglob("*") if path.is_file())
    assert sorted(written) == on_disk
    assert {path.parent.name for path in written} == {"films", "box_office_daily"}
    assert not [path for path in on_disk if path.name.endswith(".tmp")]


def test_box_office_files_are_csv_with_the_contract_columns(landing: Path) -> None:
    files = sorted((landing / "box_office_daily").iterdir())
    assert len(files) > 10
    for path in files:
        assert path.suffix == ".csv"
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert BOX_OFFICE_REQUIRED <= set(header) <= BOX_OFFICE_COLUMNS, path.name

    rows = _chart_rows(landing)
    assert all(date.fromisoformat(row["date"]) for row in rows)
    assert all(_dollars(row["gross_usd"]) > 0 for row in rows)
    assert {row.get("territory") or "domestic" for row in rows} == {"domestic", "uk", "japan"}
    assert any(row["theaters"] == "-" for row in rows)
    assert any(row["gross_usd"].count(",") >= 2 for row in rows)  # chart-style "$8,412,330"


def test_film_files_are_csv_json_lines_and_a_json_array_with_the_contract_fields(landing: Path) -> None:
    films = landing / "films"
    assert sorted(path.name for path in films.iterdir()) == [
        "catalog_2026.csv",
        "catalog_update.jsonl",
        "festival_slate.json",
    ]
    assert isinstance(json.loads((films / "festival_slate.json").read_text(encoding="utf-8")), list)
    for record in _catalog_records(landing):
        assert FILMS_REQUIRED <= set(record) <= FILMS_COLUMNS


def test_catalog_mixes_both_production_models_and_repeats_a_title_across_years(landing: Path) -> None:
    records = _catalog_records(landing)
    models = {record["production_model"] for record in records}
    assert {"indie_digital", "legacy_studio"} <= models

    years_by_title: dict[str, set[str]] = defaultdict(set)
    for record in records:
        years_by_title[_normalized(str(record["title"]))].add(str(record["release_date"])[:4])
    assert any(len(years) > 1 for years in years_by_title.values())
    assert any(not record.get("film_id") for record in records)  # some film_ids are left to the slugger


def test_a_later_catalog_record_corrects_a_budget(landing: Path) -> None:
    with (landing / "films" / "catalog_2026.csv").open(newline="", encoding="utf-8") as handle:
        budgets = {row["film_id"]: _dollars(row["production_budget_usd"]) for row in csv.DictReader(handle)}
    lines = (landing / "films" / "catalog_update.jsonl").read_text(encoding="utf-8").splitlines()
    updates = [json.loads(line) for line in lines]

    corrected = [u for u in updates if u.get("film_id") in budgets]
    assert corrected
    assert all(u["production_budget_usd"] != budgets[u["film_id"]] for u in corrected)


def test_sunday_estimates_are_followed_by_different_actuals_in_a_later_file(landing: Path) -> None:
    reports: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in _chart_rows(landing):
        if (row.get("territory") or "domestic") == "domestic":
            reports[(_normalized(row["title"]), row["date"])].append(row)

    settled = 0
    for rows in reports.values():
        estimates = [row for row in rows if row["is_estimate"] == "true"]
        actuals = [row for row in rows if row["is_estimate"] == "false"]
        for estimate in estimates:
            assert date.fromisoformat(estimate["date"]).weekday() == 6
            later = [row for row in actuals if row["reported_at"] > estimate["reported_at"]]
            if later:
                settled += 1
                assert later[0]["_file"] != estimate["_file"]
                assert later[0]["gross_usd"] != estimate["gross_usd"]
    assert settled >= 10


def test_nothing_is_reported_after_today(tmp_path: Path) -> None:
    today = date(2026, 7, 12)
    seed_box_office(tmp_path, today=today)

    rows = _chart_rows(tmp_path)
    assert rows
    assert max(datetime.fromisoformat(row["reported_at"]).date() for row in rows) <= today
    pending = [row for row in rows if row["date"] == "2026-07-12"]
    assert pending
    assert all(row["is_estimate"] == "true" for row in pending)  # Sunday's actuals come on Monday


def test_bad_rows_file_mixes_good_revisions_with_each_kind_of_bad_row(landing: Path) -> None:
    path = landing / "box_office_daily" / BAD_ROWS_FILE
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    lines = path.read_text(encoding="utf-8").splitlines()[1:]

    assert sum(len(row) > len(header) for row in rows) == 1
    fields = [dict(zip(header, row, strict=True)) for row in rows if len(row) == len(header)]
    dates = {row["date"] for row in fields}
    grosses = {row["gross_usd"] for row in fields}
    assert {"2026-13-45", "07/14/2026"} <= dates
    assert {"-$5,000", "$12,x00"} <= grosses
    assert any(row["title"] == "" for row in fields)
    assert any(row["title"] == "Nonexistent Film" for row in fields)
    assert len(lines) - len(set(lines)) == 1

    # The good rows revise numbers that the weekly charts already reported as actuals.
    actuals: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in _chart_rows(landing):
        if row["is_estimate"] == "false" and (row.get("territory") or "domestic") == "domestic":
            actuals[(_normalized(row["title"]), row["date"])].append(row)
    revisions = [
        (row, actuals[(_normalized(row["title"]), row["date"])])
        for row in fields
        if (_normalized(row["title"]), row["date"]) in actuals and re.fullmatch(r"\$[\d,]+", row["gross_usd"])
    ]
    assert len(revisions) == 3  # two revisions and the duplicate of the second
    for revision, originals in revisions:
        assert all(revision["reported_at"] > original["reported_at"] for original in originals)
        assert revision["gross_usd"] not in {original["gross_usd"] for original in originals}


def test_catalog_csv_holds_one_bad_release_date_and_one_unknown_production_model(landing: Path) -> None:
    with (landing / "films" / "catalog_2026.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    bad_dates: list[str] = []
    for row in rows:
        try:
            date.fromisoformat(row["release_date"])
        except ValueError:
            bad_dates.append(row["title"])
    assert len(bad_dates) == 1
    models = [row["production_model"] for row in rows]
    assert [model for model in models if model not in {"indie_digital", "legacy_studio"}] == ["indie"]


def test_scale_multiplies_films_and_scale_one_stays_small(landing: Path, tmp_path: Path) -> None:
    seed_box_office(tmp_path, scale=2)

    small, large = _catalog_records(landing), _catalog_records(tmp_path)
    assert 20 <= len(small) <= 30
    assert len(large) >= len(small) + 20
    keys = [(_normalized(str(r["title"])), str(r["release_date"])[:4]) for r in large]
    assert len(keys) - len(set(keys)) == 1  # only the budget correction repeats a film
    assert len(_chart_rows(landing)) < 5000
    assert len(_chart_rows(tmp_path)) > len(_chart_rows(landing))
