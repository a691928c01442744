"""Realistic sample box-office data for `backlot demo`, written into the landing zone.

`seed_box_office(landing_dir)` writes, under `landing_dir/films/` and
`landing_dir/box_office_daily/`, what a small film-finance desk would have received by
`today` (default 2026-11-20, a fixed date so that the output never depends on the clock).
The same `seed`, `scale` and `today` always give byte-identical files.

Films (24 per unit of `scale`, about half `indie_digital` made by internet-native teams on
$2M-$25M budgets, half `legacy_studio` on $90M-$300M):

- `films/catalog_2026.csv` - most of the catalog, in the chart-site shape: budgets like
  `"$4,500,000"`, lifetime `domestic_gross_usd` / `worldwide_gross_usd` for some films whose
  run has ended (worldwide includes earnings the daily charts never show) and `-`, `n/c`,
  `N/A` or a blank cell where unknown. A few rows leave `film_id` blank so that it is slugged
  from title and release year. "Rust Valley" appears twice: the 2019 studio original (no
  daily data, lifetime totals only) and its 2026 indie remake, so title matching needs the
  release year.
- `films/catalog_update.jsonl` - JSON Lines, newer than the CSV: two more films and, last,
  a full later record for `iron-meridian-2026` whose budget is corrected from $250M to
  $275M (the newest file's record wins). Money here is plain JSON numbers, unknown is null.
- `films/festival_slate.json` - a JSON array of two festival films; "Borrowed Light" opens
  after `today` and so has no grosses yet.

Daily grosses (about 1,700 rows at scale 1):

- `box_office_daily/daily_<ISO week>.csv` - the domestic chart, one file per ISO week of
  `reported_at`. One row per film per day from release for 30-90 days (or until `today`),
  shaped like real runs: Friday-Sunday peaks, weekday dips, stronger summer weekdays and
  holiday Mondays, week-over-week drops of 35-60% for studio films and small drops with a
  theater expansion for the indie breakouts ("Cloudbreak", a $10M film, out-grosses several
  studio films). Ranks are per day. Numbers are formatted like public charts (`"$8,412,330"`,
  `"2,951"`, sometimes `-` for unknown theaters). Most rows name the film by title, now and
  then in another case or punctuation ("LEVEL ZERO", "Level Zero!"); odd weeks add a
  `film_id` column (filled on some rows), every fourth week a `territory` column.
- Sunday rows first arrive as estimates (`is_estimate=true`, reported Sunday 18:00Z, in that
  week's file); the actual, a few percent different, arrives in the next week's file,
  reported Monday 16:30Z (Tuesday after a holiday Monday). Sunday actuals not reported by
  `today` stay estimates. One opening day is restated three days later in the weekly files.
- `box_office_daily/daily_uk_<ISO week>.csv`, `daily_japan_<ISO week>.csv` - international
  charts for four films, with `territory` and `film_id` columns and no `rank` column.
- `box_office_daily/daily_corrections_bad_rows.csv` - two revisions of already-actual numbers
  with a later `reported_at` (good rows), mixed with the bad rows below.

Deliberately bad rows, each of which a loader should reject with a clear reason (10 in all):

- in `daily_corrections_bad_rows.csv` (8): a date `2026-13-45`; a date `07/14/2026`; a gross
  `-$5,000`; a missing title; a gross `$12,x00`; a row for "Nonexistent Film", which is in no
  catalog; a row with too many fields (a gross with unquoted thousands commas); an exact
  duplicate of the file's second revision row.
- in `films/catalog_2026.csv` (2): "Paper Lanterns" with release_date `2026-02-30`, and
  "Kite Country" with production_model `indie`. Neither has daily rows.

Each file is written under a name ending in `.tmp` and renamed into place, so a sensor
polling the landing zone never reads half a file.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from pipelines.sample_data import land

DEFAULT_TODAY = date(2026, 11, 20)

CHART_COLUMNS = (
    "date",
    "rank",
    "title",
    "distributor",
    "gross_usd",
    "theaters",
    "is_estimate",
    "reported_at",
)
INTERNATIONAL_COLUMNS = (
    "date",
    "territory",
    "film_id",
    "title",
    "distributor",
    "gross_usd",
    "theaters",
    "is_estimate",
    "reported_at",
)
CATALOG_COLUMNS = (
    "film_id",
    "title",
    "release_date",
    "production_budget_usd",
    "production_model",
    "distributor",
    "genre",
    "domestic_gross_usd",
    "worldwide_gross_usd",
)
BAD_ROWS_FILE = "daily_corrections_bad_rows.csv"

INDIE = "indie_digital"
STUDIO = "legacy_studio"

# Share of a Friday's gross that each weekday earns (Monday = 0).
WEEKDAY_WEIGHT = (0.30, 0.38, 0.28, 0.27, 1.0, 1.22, 0.86)
HOLIDAY_WEIGHT = {
    date(2026, 1, 19): 2.4,  # Martin Luther King Jr. Day
    date(2026, 2, 16): 2.3,  # Presidents' Day
    date(2026, 5, 25): 2.6,  # Memorial Day
    date(2026, 7, 3): 1.1,  # Independence Day observed
    date(2026, 7, 4): 0.85,  # the fireworks, not the cinema
    date(2026, 9, 7): 2.3,  # Labor Day
    date(2026, 10, 12): 1.3,  # Columbus Day
}
SUMMER = (date(2026, 6, 8), date(2026, 8, 21))
# Domestic Sunday actuals come out the next business day.
HOLIDAY_MONDAYS = frozenset(d for d in HOLIDAY_WEIGHT if d.weekday() == 0)


@dataclass(frozen=True)
class Archetype:
    """How a kind of release behaves: weekly retention, run length, theater counts."""

    retention: tuple[float, float]
    run_days: tuple[int, int]
    theaters: tuple[int, int]
    domestic_multiple: tuple[float, float]  # domestic gross / budget, for generated films
    platform_peak: tuple[int, int] | None = None  # opens small and expands to this many theaters


ARCHETYPES: dict[str, Archetype] = {
    "indie_breakout": Archetype((0.78, 0.86), (80, 90), (600, 1200), (5.0, 14.0), (2800, 3400)),
    "indie_solid": Archetype((0.60, 0.72), (45, 70), (800, 2600), (1.5, 3.5)),
    "indie_flop": Archetype((0.42, 0.52), (30, 35), (900, 1800), (0.1, 0.5)),
    "studio_hit": Archetype((0.55, 0.65), (75, 90), (4000, 4400), (1.2, 2.5)),
    "studio_average": Archetype((0.48, 0.56), (50, 70), (3600, 4100), (0.6, 1.0)),
    "studio_flop": Archetype((0.40, 0.50), (30, 45), (3000, 3800), (0.15, 0.4)),
}


@dataclass(frozen=True)
class Territory:
    """An international chart a film appears on: days after the domestic release, share of domestic."""

    name: str
    delay_days: int
    share: float


@dataclass(frozen=True)
class Film:
    """One catalog film and how it performs."""

    title: str
    film_id: str | None  # None: left blank in the catalog, to be slugged by the loader
    release: date
    budget: int
    model: str
    distributor: str
    genre: str
    archetype: str
    domestic_target: int  # full-run domestic gross the daily curve is scaled to
    listed_in: str = "csv"  # "csv", "jsonl" or "festival"
    territories: tuple[Territory, ...] = ()
    lifetime: tuple[int, int] | None = None  # fixed lifetime domestic/worldwide (films with no dailies)

    @property
    def key(self) -> str:
        return f"{self.title}|{self.release.isoformat()}"


@dataclass(frozen=True)
class DayGross:
    """The modelled gross of one film in one territory on one day."""

    day: date
    gross: int
    theaters: int


@dataclass(frozen=True)
class Report:
    """One chart row as a source reports it."""

    film: Film
    territory: str
    day: date
    gross: int
    theaters: int | None
    is_estimate: bool
    reported_at: datetime
    rank: int | None


M = 1_000_000


def _curated_films() -> list[Film]:
    """The 24 hand-written films every scale starts from."""
    uk, japan = "uk", "japan"
    # fmt: off
    return [
        # indie_digital, the CSV catalog
        Film("Level Zero", "level-zero-2026", date(2026, 7, 10), 4_500_000, INDIE, "Indie Collective",
             "Horror", "indie_breakout", 68 * M, territories=(Territory(uk, 7, 0.10),)),
        Film("Cloudbreak", "cloudbreak-2026", date(2026, 3, 13), 10 * M, INDIE, "Open Frame Releasing",
             "Animation", "indie_breakout", 142 * M,
             territories=(Territory(uk, 14, 0.12), Territory(japan, 42, 0.14))),
        Film("Tin Orchard", "tin-orchard-2026", date(2026, 5, 1), 8 * M, INDIE, "Blendworks Distribution",
             "Family", "indie_solid", 26 * M),
        Film("Glasswing", "glasswing-2026", date(2026, 8, 14), 18 * M, INDIE, "Open Frame Releasing",
             "Fantasy", "indie_solid", 49 * M),
        Film("Rust Valley", "rust-valley-2026", date(2026, 10, 9), 12 * M, INDIE, "Indie Collective",
             "Western", "indie_solid", 21 * M),
        Film("Pixel Saints", "pixel-saints-2026", date(2026, 2, 6), 3 * M, INDIE, "Blendworks Distribution",
             "Comedy", "indie_flop", 900_000),
        Film("Murmuration", None, date(2026, 4, 22), 2_500_000, INDIE, "Indie Collective",
             "Drama", "indie_solid", 7_500_000),
        Film("Hollow Signal", "hollow-signal-2026", date(2026, 9, 4), 7 * M, INDIE, "Northlight Features",
             "Science Fiction", "indie_flop", 2_100_000),
        Film("Café Solitaire", None, date(2026, 1, 30), 2 * M, INDIE, "Northlight Features",
             "Romance", "indie_solid", 3_200_000),
        Film("Saltwater Ghosts", "saltwater-ghosts-2026", date(2026, 10, 23), 5 * M, INDIE,
             "Indie Collective", "Horror", "indie_breakout", 17 * M),
        # legacy_studio, the CSV catalog
        Film("Starfall Legacy", "starfall-legacy-2026", date(2026, 6, 19), 210 * M, STUDIO, "Major Pictures",
             "Science Fiction", "studio_average", 96 * M),
        Film("Iron Meridian", "iron-meridian-2026", date(2026, 5, 22), 250 * M, STUDIO,
             "Summit Crown Studios", "Action", "studio_hit", 365 * M,
             territories=(Territory(uk, 0, 0.11), Territory(japan, 35, 0.09))),
        Film("Redline Run", "redline-run-2026", date(2026, 7, 1), 160 * M, STUDIO, "Paragon Global",
             "Action", "studio_hit", 240 * M, territories=(Territory(uk, 2, 0.09),)),
        Film("Kingdom of Ash: Ember Crown", "kingdom-of-ash-ember-crown-2026", date(2026, 3, 27), 300 * M,
             STUDIO, "Major Pictures", "Fantasy", "studio_flop", 72 * M),
        Film("Mister Marmalade", "mister-marmalade-2026", date(2026, 8, 5), 150 * M, STUDIO, "Paragon Global",
             "Animation", "studio_hit", 185 * M),
        Film("Deep Blue Protocol", None, date(2026, 2, 13), 110 * M, STUDIO, "Summit Crown Studios",
             "Thriller", "studio_flop", 31 * M),
        Film("Operation Nightjar", "operation-nightjar-2026", date(2026, 4, 10), 175 * M, STUDIO,
             "Major Pictures", "Action", "studio_average", 118 * M),
        Film("Lunar Drift", "lunar-drift-2026", date(2026, 1, 16), 135 * M, STUDIO, "Paragon Global",
             "Science Fiction", "studio_flop", 38 * M),
        Film("The Gilded Cage", "the-gilded-cage-2026", date(2026, 10, 2), 90 * M, STUDIO,
             "Summit Crown Studios", "Drama", "studio_flop", 24 * M),
        Film("Rust Valley", "rust-valley-2019", date(2019, 11, 22), 120 * M, STUDIO, "Major Pictures",
             "Western", "studio_average", 0, lifetime=(88_400_000, 203_700_000)),
        # the JSON Lines update
        Film("Signal Fire", "signal-fire-2026", date(2026, 9, 25), 120 * M, STUDIO, "Major Pictures",
             "Thriller", "studio_flop", 44 * M, listed_in="jsonl"),
        Film("Small Hours", None, date(2026, 8, 28), 4 * M, INDIE, "Blendworks Distribution",
             "Drama", "indie_solid", 11 * M, listed_in="jsonl"),
        # the festival slate
        Film("The Quiet Frame", "the-quiet-frame-2026", date(2026, 10, 30), 2_800_000, INDIE,
             "Indie Collective", "Drama", "indie_solid", 6 * M, listed_in="festival"),
        Film("Borrowed Light", "borrowed-light-2026", date(2026, 12, 4), 3_500_000, INDIE,
             "Open Frame Releasing", "Documentary", "indie_solid", 5 * M, listed_in="festival"),
    ]
    # fmt: on


BUDGET_CORRECTION = ("iron-meridian-2026", 275 * M)
BAD_CATALOG_ROWS = (
    # (film_id, title, release_date, budget, production_model, distributor, genre)
    ("paper-lanterns-2026", "Paper Lanterns", "2026-02-30", "$6,000,000", INDIE, "Indie Collective", "Drama"),
    ("kite-country-2026", "Kite Country", "2026-06-05", "$14,000,000", "indie", "Open Frame Releasing",
     "Family"),
)  # fmt: skip

TITLE_FIRST = (
    "Silent", "Crimson", "Hollow", "Paper", "Neon", "Broken", "Golden", "Midnight", "Iron", "Velvet",
    "Scarlet", "Frozen", "Electric", "Wandering", "Last", "Distant", "Quiet", "Burning", "Copper", "Glass",
    "Savage", "Northern", "Lost", "Bright", "Falling", "Sunken", "Wild", "Hidden", "Stolen", "Shattered",
)  # fmt: skip
TITLE_SECOND = (
    "Harbor", "Engine", "Orchard", "Signal", "Kingdom", "Frontier", "Meridian", "Lantern", "Circuit",
    "Garden", "Tide", "Summit", "Canyon", "Echo", "Protocol", "Crown", "Horizon", "Station", "Parade",
    "Reckoning", "Voyage", "Archive", "Machine", "Ember", "Comet", "Citadel", "Hours", "Run", "Island",
    "Road",
)  # fmt: skip
GENRES = (
    "Action", "Animation", "Comedy", "Drama", "Family", "Fantasy", "Horror", "Romance", "Science Fiction",
    "Thriller",
)  # fmt: skip
DISTRIBUTORS = {
    INDIE: ("Indie Collective", "Open Frame Releasing", "Blendworks Distribution", "Northlight Features"),
    STUDIO: ("Major Pictures", "Summit Crown Studios", "Paragon Global"),
}
UNKNOWN_MARKERS = ("-", "n/c", "", "N/A")


def seed_box_office(landing_dir: Path, *, scale: int = 1, seed: int = 7, today: date | None = None) -> list[Path]:
    """Write realistic films and box-office files; return the paths written, in the order written.

    The files go under landing_dir/'films' and landing_dir/'box_office_daily'.
    """
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    as_of = today or DEFAULT_TODAY
    films = _curated_films() + _generated_films(scale, seed)
    domestic = {film.key: _simulate(film, seed) for film in films if film.lifetime is None}
    international = {
        (film.key, territory.name): _simulate_territory(film, territory, seed)
        for film in films
        for territory in film.territories
    }

    reports = _domestic_reports(films, domestic, as_of, seed) + _international_reports(films, international, as_of)
    reports.extend(_restatements(reports, as_of))

    films_dir = landing_dir / "films"
    daily_dir = landing_dir / "box_office_daily"
    outputs: list[tuple[Path, str]] = [
        (films_dir / "catalog_2026.csv", _catalog_csv(films, domestic, international, as_of, seed)),
        (films_dir / "festival_slate.json", _festival_json(films)),
        # Written after the CSV (and sorting after it) because its record for an existing film must win.
        (films_dir / "catalog_update.jsonl", _catalog_jsonl(films, domestic, international, as_of, seed)),
    ]
    for name, text in sorted(_chart_files(reports, seed).items()):
        outputs.append((daily_dir / name, text))
    outputs.append((daily_dir / BAD_ROWS_FILE, _bad_rows_file(reports, films, as_of, seed)))

    written: list[Path] = []
    for path, text in outputs:
        land(path, text)
        written.append(path)
    return written


# --- films -------------------------------------------------------------------------------


def _rng(seed: int, *parts: str) -> random.Random:
    """A generator of its own for each purpose, so adding films or moving `today` changes nothing else."""
    return random.Random(":".join(("backlot-demo", str(seed), *parts)))


def _normalized(title: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in title.casefold()).split())


def _slug(title: str, year: int) -> str:
    return "-".join([*_normalized(title).split(), str(year)])


def _generated_films(scale: int, seed: int) -> list[Film]:
    """24 more films per unit of scale above 1, with invented titles that never repeat."""
    rng = _rng(seed, "generated-films")
    taken = {_normalized(film.title) for film in _curated_films()}
    taken |= {_normalized(row[1]) for row in BAD_CATALOG_ROWS}
    films: list[Film] = []
    for _ in range(24 * (scale - 1)):
        first, second = rng.choice(TITLE_FIRST), rng.choice(TITLE_SECOND)
        base = f"The {first} {second}" if rng.random() < 0.3 else f"{first} {second}"
        title, sequel = base, 1
        while _normalized(title) in taken:
            sequel += 1
            title = f"{base} {sequel}"
        taken.add(_normalized(title))

        model = INDIE if rng.random() < 0.5 else STUDIO
        if model == INDIE:
            archetype = rng.choices(("indie_breakout", "indie_solid", "indie_flop"), (1, 3, 2))[0]
            budget = rng.randrange(2_000_000, 25_000_001, 100_000)
        else:
            archetype = rng.choices(("studio_hit", "studio_average", "studio_flop"), (2, 3, 3))[0]
            budget = rng.randrange(90 * M, 300 * M + 1, 5 * M)
        multiple = rng.uniform(*ARCHETYPES[archetype].domestic_multiple)
        release = date(2026, 1, 2) + timedelta(weeks=rng.randrange(0, 43))  # Fridays, Jan 2 to Oct 23
        if rng.random() < 0.12:
            release += timedelta(days=5)  # a Wednesday opening, the week after
        films.append(
            Film(
                title=title,
                film_id=_slug(title, release.year) if rng.random() < 0.85 else None,
                release=release,
                budget=budget,
                model=model,
                distributor=rng.choice(DISTRIBUTORS[model]),
                genre=rng.choice(GENRES),
                archetype=archetype,
                domestic_target=round(budget * multiple),
                listed_in="jsonl" if rng.random() < 0.15 else "csv",
            )
        )
    return films


# --- the grosses -------------------------------------------------------------------------


def _simulate(film: Film, seed: int) -> list[DayGross]:
    """The film's whole domestic run, before `today` cuts it short."""
    return _run_curve(film.release, film.domestic_target, ARCHETYPES[film.archetype], _rng(seed, film.key))


def _simulate_territory(film: Film, territory: Territory, seed: int) -> list[DayGross]:
    rng = _rng(seed, film.key, territory.name)
    release = film.release + timedelta(days=territory.delay_days)
    release += timedelta(days=(4 - release.weekday()) % 7)  # international charts open on Fridays
    base = ARCHETYPES[film.archetype]
    screens = (450, 700) if territory.name == "uk" else (250, 400)
    archetype = Archetype(base.retention, (35, 56), screens, base.domestic_multiple)
    return _run_curve(release, round(film.domestic_target * territory.share), archetype, rng)


def _run_curve(release: date, target: int, archetype: Archetype, rng: random.Random) -> list[DayGross]:
    """Daily grosses summing to about `target`: weekend peaks, weekday dips, weekly decay."""
    retention = rng.uniform(*archetype.retention)
    run_days = rng.randint(*archetype.run_days)
    opening = rng.randint(*archetype.theaters)
    peak = rng.randint(*archetype.platform_peak) if archetype.platform_peak else opening
    first_friday = release + timedelta(days=(4 - release.weekday()) % 7)

    days: list[tuple[date, float, int]] = []
    for offset in range(run_days):
        day = release + timedelta(days=offset)
        since_friday = max(0, (day - first_friday).days)
        week = since_friday // 7
        weight = WEEKDAY_WEIGHT[day.weekday()] * HOLIDAY_WEIGHT.get(day, 1.0)
        if SUMMER[0] <= day <= SUMMER[1] and day.weekday() < 4:
            weight *= 1.6
        if day < first_friday:
            weight *= 2.6  # opening-day crowds of a Wednesday release
        if offset == 0:
            weight *= 1.2  # previews are counted with the opening day
        weight *= retention ** (since_friday / 7)
        if archetype.platform_peak:
            theaters = min(peak, round(opening * 2.1**week))
            if week >= 5:
                theaters = round(peak * (retention**0.3) ** (week - 4))
            if week < 4:
                weight *= (theaters / peak) ** 0.8  # word of mouth fills the new screens
        elif week < 2:
            theaters = opening
        else:
            theaters = round(opening * (retention**0.3) ** (week - 1))
        weight *= rng.uniform(0.93, 1.07)
        days.append((day, weight, max(25, theaters)))

    scale = target / sum(weight for _, weight, _ in days)
    return [DayGross(day, max(150, round(weight * scale)), theaters) for day, weight, theaters in days]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _domestic_reports(films: list[Film], runs: dict[str, list[DayGross]], today: date, seed: int) -> list[Report]:
    """Chart rows reported by the end of `today`: ranked actuals, and Sunday estimates then actuals."""
    by_day: dict[date, list[tuple[int, str]]] = defaultdict(list)
    for key, run in runs.items():
        for entry in run:
            by_day[entry.day].append((entry.gross, key))
    rank = {
        (key, day): position
        for day, entries in by_day.items()
        for position, (_, key) in enumerate(sorted(entries, reverse=True), start=1)
    }

    reports: list[Report] = []
    for film in films:
        rng = _rng(seed, film.key, "reports")
        for entry in runs.get(film.key, []):
            # Draw for every day, reported or not, so that `today` only cuts rows off.
            unknown_theaters = rng.random() < 0.02
            estimate_ratio = rng.uniform(0.97, 1.07)
            estimate_hides_theaters = rng.random() < 0.5
            day_rank = rank[(film.key, entry.day)]
            theaters = None if unknown_theaters else entry.theaters
            if entry.day.weekday() == 6:
                reports.append(
                    Report(
                        film,
                        "domestic",
                        entry.day,
                        round(entry.gross * estimate_ratio),
                        None if estimate_hides_theaters else entry.theaters,
                        True,
                        _at(entry.day, 18),
                        day_rank,
                    )
                )
                monday = entry.day + timedelta(days=1)
                reported = monday + timedelta(days=1) if monday in HOLIDAY_MONDAYS else monday
            else:
                reported = entry.day + timedelta(days=1)
            reports.append(
                Report(film, "domestic", entry.day, entry.gross, theaters, False, _at(reported, 16, 30), day_rank)
            )
    return [report for report in reports if report.reported_at.date() <= today]


def _international_reports(films: list[Film], runs: dict[tuple[str, str], list[DayGross]], today: date) -> list[Report]:
    reports: list[Report] = []
    for film in films:
        for territory in film.territories:
            hour = 9 if territory.name == "uk" else 6
            for entry in runs[(film.key, territory.name)]:
                reported = _at(entry.day + timedelta(days=1), hour)
                if reported.date() <= today:
                    reports.append(
                        Report(
                            film,
                            territory.name,
                            entry.day,
                            entry.gross,
                            entry.theaters,
                            False,
                            reported,
                            None,
                        )
                    )
    return reports


def _restatements(reports: list[Report], today: date) -> list[Report]:
    """A distributor restates the biggest reported opening day three days later."""
    openings = [
        report
        for report in reports
        if report.territory == "domestic"
        and not report.is_estimate
        and report.day == report.film.release
        and (report.reported_at + timedelta(days=3)).date() <= today
    ]
    if not openings:
        return []
    biggest = max(openings, key=lambda report: (report.gross, report.film.key))
    return [
        Report(
            biggest.film,
            "domestic",
            biggest.day,
            round(biggest.gross * 1.021),
            biggest.theaters,
            False,
            _at(biggest.reported_at.date() + timedelta(days=3), 20),
            biggest.rank,
        )
    ]


# --- formatting --------------------------------------------------------------------------


def _usd(amount: int) -> str:
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv_text(header: tuple[str, ...], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _csv_line(row: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    return buffer.getvalue()


def _chart_title(title: str, rng: random.Random) -> str:
    """The title as one chart source spells it: usually as the catalog does, sometimes not."""
    style = rng.choices(("exact", "upper", "exclaim", "colon"), (72, 12, 8, 8))[0]
    if style == "upper":
        return title.upper()
    if style == "exclaim":
        return f"{title}!"
    if style == "colon" and ":" in title:
        return title.replace(":", "")
    return title


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _chart_files(reports: list[Report], seed: int) -> dict[str, str]:
    """One CSV per ISO week of `reported_at` per chart (domestic, uk, japan)."""
    grouped: dict[tuple[str, str], list[Report]] = defaultdict(list)
    for report in reports:
        grouped[(report.territory, _iso_week(report.reported_at.date()))].append(report)

    files: dict[str, str] = {}
    for (territory, week), rows in grouped.items():
        rows.sort(key=lambda r: (r.reported_at, r.day, r.rank or 0, r.film.key))
        week_number = int(week.rsplit("W", 1)[1])
        name = f"daily_{week}.csv" if territory == "domestic" else f"daily_{territory}_{week}.csv"
        titles: dict[str, str] = {}
        ids: dict[str, str] = {}
        for report in rows:
            if report.film.key not in titles:
                rng = _rng(seed, report.film.key, name)
                titles[report.film.key] = _chart_title(report.film.title, rng)
                gives_id = report.film.film_id is not None and rng.random() < 0.35
                ids[report.film.key] = report.film.film_id if gives_id and report.film.film_id else ""

        if territory != "domestic":
            files[name] = _csv_text(
                INTERNATIONAL_COLUMNS,
                [
                    [
                        r.day.isoformat(),
                        territory,
                        r.film.film_id or "",
                        titles[r.film.key],
                        r.film.distributor,
                        _usd(r.gross),
                        _count(r.theaters),
                        "false",
                        _timestamp(r.reported_at),
                    ]
                    for r in rows
                ],
            )
            continue

        with_id = week_number % 2 == 1
        with_territory = week_number % 4 == 0
        header = CHART_COLUMNS + (("film_id",) if with_id else ()) + (("territory",) if with_territory else ())
        table: list[list[str]] = []
        for r in rows:
            row = [
                r.day.isoformat(),
                str(r.rank),
                titles[r.film.key],
                r.film.distributor,
                _usd(r.gross),
                _count(r.theaters),
                "true" if r.is_estimate else "false",
                _timestamp(r.reported_at),
            ]
            if with_id:
                row.append(ids[r.film.key])
            if with_territory:
                row.append("domestic")
            table.append(row)
        files[name] = _csv_text(header, table)
    return files


def _bad_rows_file(reports: list[Report], films: list[Film], today: date, seed: int) -> str:
    """Two late revisions of actual numbers, mixed with the eight rows a loader must reject."""
    rng = _rng(seed, "corrections")
    actuals = sorted(
        (r for r in reports if r.territory == "domestic" and not r.is_estimate and r.day.weekday() != 6),
        key=lambda r: (r.day, r.film.key),
    )
    originals = rng.sample(actuals, k=min(2, len(actuals)))
    revisions: list[list[str]] = []
    for original in originals:
        revised_at = min(original.reported_at + timedelta(days=7), _at(today, 23))
        factor = rng.choice((0.97, 0.98, 1.02, 1.03))
        revisions.append(
            [
                original.day.isoformat(),
                str(original.rank),
                original.film.title,
                original.film.distributor,
                _usd(round(original.gross * factor)),
                _count(original.theaters),
                "false",
                _timestamp(revised_at),
            ]
        )

    # The bad rows are about the first revised film and day, as if typed into the same corrections sheet.
    base_film = originals[0].film if originals else films[0]
    title, distributor = base_film.title, base_film.distributor
    base_day = originals[0].day if originals else today
    stamp = revisions[0][-1] if revisions else _timestamp(_at(today, 23))

    def row(day: str, name: str, gross: str) -> list[str]:
        return [day, "5", name, distributor, gross, "2,951", "false", stamp]

    unknown_film = row(base_day.isoformat(), "Nonexistent Film", "$310,455")
    bad: list[list[str] | str] = [
        row("2026-13-45", title, "$1,204,553"),
        row("07/14/2026", title, "$1,180,010"),
        row(base_day.isoformat(), title, "-$5,000"),
        row(base_day.isoformat(), "", "$998,120"),
        row(base_day.isoformat(), title, "$12,x00"),
        unknown_film,
        # Hand-written: the gross lost its quotes, so its thousands commas split it into three fields.
        f'{base_day.isoformat()},4,{title},{distributor},$1,204,553,"2,951",false,{stamp}\n',
    ]
    duplicate = revisions[-1] if revisions else unknown_film
    lines: list[list[str] | str] = [*revisions[:1], *bad[:3], *revisions[1:], *bad[3:], duplicate]

    return _csv_line(list(CHART_COLUMNS)) + "".join(
        line if isinstance(line, str) else _csv_line(line) for line in lines
    )


# --- the catalog -------------------------------------------------------------------------


def _lifetime(
    film: Film,
    domestic: dict[str, list[DayGross]],
    international: dict[tuple[str, str], list[DayGross]],
    today: date,
    seed: int,
) -> tuple[int | None, int | None]:
    """Lifetime domestic and worldwide grosses, known for some films whose run has ended."""
    if film.lifetime is not None:
        return film.lifetime
    rng = _rng(seed, film.key, "lifetime")
    known = rng.random() < 0.6
    domestic_unknown = rng.random() < 0.15
    tail = rng.uniform(1.0, 1.04)  # charts stop tracking before the last screenings
    overseas = rng.uniform(0.8, 1.5) if film.model == STUDIO else rng.uniform(0.3, 1.2)
    runs = [domestic[film.key]] + [international[(film.key, t.name)] for t in film.territories]
    if not known or max(entry.day for run in runs for entry in run) + timedelta(days=2) > today:
        return None, None
    daily_domestic = sum(entry.gross for entry in domestic[film.key])
    daily_international = sum(entry.gross for run in runs[1:] for entry in run)
    lifetime_domestic = round(daily_domestic * tail / 1000) * 1000
    worldwide = lifetime_domestic + daily_international + round(lifetime_domestic * overseas / 1000) * 1000
    return (None if domestic_unknown else lifetime_domestic), worldwide


def _catalog_csv(
    films: list[Film],
    domestic: dict[str, list[DayGross]],
    international: dict[tuple[str, str], list[DayGross]],
    today: date,
    seed: int,
) -> str:
    rng = _rng(seed, "catalog-csv")
    rows: list[list[str]] = []
    for film in films:
        if film.listed_in != "csv":
            continue
        lifetime = _lifetime(film, domestic, international, today, seed)
        money = [_usd(v) if v is not None else rng.choice(UNKNOWN_MARKERS) for v in lifetime]
        rows.append(
            [
                film.film_id or "",
                film.title,
                film.release.isoformat(),
                _usd(film.budget),
                film.model,
                film.distributor,
                film.genre,
                *money,
            ]
        )
    bad_rows = [[*bad, rng.choice(UNKNOWN_MARKERS), rng.choice(UNKNOWN_MARKERS)] for bad in BAD_CATALOG_ROWS]
    third = len(rows) // 3
    rows = rows[:third] + bad_rows[:1] + rows[third : 2 * third] + bad_rows[1:] + rows[2 * third :]
    return _csv_text(CATALOG_COLUMNS, rows)


def _json_record(film: Film, lifetime: tuple[int | None, int | None], budget: int | str) -> dict[str, str | int | None]:
    record: dict[str, str | int | None] = {} if film.film_id is None else {"film_id": film.film_id}
    record.update(
        title=film.title,
        release_date=film.release.isoformat(),
        production_budget_usd=budget,
        production_model=film.model,
        distributor=film.distributor,
        genre=film.genre,
        domestic_gross_usd=lifetime[0],
        worldwide_gross_usd=lifetime[1],
    )
    return record


def _catalog_jsonl(
    films: list[Film],
    domestic: dict[str, list[DayGross]],
    international: dict[tuple[str, str], list[DayGross]],
    today: date,
    seed: int,
) -> str:
    records = [
        _json_record(film, _lifetime(film, domestic, international, today, seed), film.budget)
        for film in films
        if film.listed_in == "jsonl"
    ]
    film_id, budget = BUDGET_CORRECTION
    corrected = next(film for film in films if film.film_id == film_id)
    records.append(_json_record(corrected, _lifetime(corrected, domestic, international, today, seed), budget))
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def _festival_json(films: list[Film]) -> str:
    records: list[dict[str, str | int | None]] = []
    for film in films:
        if film.listed_in == "festival":
            record = _json_record(film, (None, None), _usd(film.budget))
            del record["domestic_gross_usd"], record["worldwide_gross_usd"]  # a festival slate has no grosses
            records.append(record)
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


# --- writing -----------------------------------------------------------------------------
