"""Generated bad input for every source, each file with what must become of it (`oracle.Expect`).

A batch is a few files of one source. Each file starts from good records and is spoiled on
purpose, so the generator knows the outcome:

* records: a value of the wrong type (text where a number was, an object, an array), a
  required value missing, an unknown film, a CSV line with too few or too many fields, a
  JSON line that is not JSON or not an object; good records carry embedded quotes, commas
  and newlines, Unicode, surrounding spaces, unknown markers and huge values;
* the file: a column added or renamed (schema drift: a warning), a UTF-8 byte-order mark,
  CRLF, Latin-1 (those lines quarantined), UTF-16 (rejected), cut at any byte, empty;
* whole-file garbage (random bytes, bytes spliced in), whose outcome only the universal
  properties of `oracle.check_batch` constrain.

Every good record carries a tag (`k<file>n<record>x`) at the start of one text column, so
the oracle finds it in raw or quarantine whatever line the loader gives it.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from pipelines.defs.render.blender_log import parse_file
from pipelines.sources import SOURCES
from tests.fuzz.conftest import CATALOG
from tests.fuzz.oracle import Delivery, Expect

Draw = Callable[[st.SearchStrategy[Any]], Any]
BLENDER_LOGS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "blender").glob("*.log"))

# Text a person might type into any cell: quotes, separators, newlines, Unicode, markers.
NASTY = ["", " ", '"', '""', ",", ", ", ";", "\n", "\r\n", "'", "é", "—", "日本", "\u00a0", "N/A", "[N/A]", "\\", "\t"]
text_tail = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00\r"), max_size=12),
)
HUGE = st.integers(min_value=10_000, max_value=200_000)


def tagged(draw: Draw, tag: str) -> str:
    """A text value starting with `tag`, then whatever a producer might put in a text cell."""
    tail = draw(st.one_of(text_tail, HUGE.map(lambda n: " " + "x" * n)))
    return tag + str(tail).replace("\x00", "")


def number_text(draw: Draw, low: int = 0, high: int = 10**9, *, unknown: bool = True) -> str:
    """A number as a chart prints it (`$1,234,567`, ` 12 `, `1e3`) or, when allowed, an unknown marker."""
    value = draw(st.integers(min_value=low, max_value=high))
    forms = [str(value), f"{value:,}", f"${value:,}", f" {value} ", f"{value}.0"]
    if unknown:
        forms += ["", "-", "n/c", "N/A", "[N/A]", "none"]
    return str(draw(st.sampled_from(forms)))


# Per kind: values that are neither the kind nor unknown (quarantined, the reason naming the column).
WRONG = {
    "number": ["lots", "$12,x00", "(5)", "NaN", "inf", "1.2.3", "12 apples", '{"a": 1}', "[5000]", "true"],
    "integer": ["1.5", "12.5", "99999999999999999999", "many", "[3]", "1,5.5"],
    "date": ["07/14/2026", "2026-13-45", "2026-6-5", "2026-02-30", "yesterday", "20260101"],
    "timestamp": ["yesterday", "20260602T080000Z", "2026-06-02 25:00", "soon"],
    "boolean": ["maybe", "2", "yes please"],
    "measure": ["fast", "12 parsecs", "1e999", "[5]"],
}


# --- CSV -------------------------------------------------------------------------------------------


@dataclass
class Record:
    """One record of a generated file: its cells (by spec column) and what must become of it."""

    tag: str
    cells: dict[str, Any]
    bad: str | None = None  # a word its reason must contain; None: it must load
    unknown: bool = False  # neither: the oracle only counts it
    blank: bool = False  # a blank line: no record at all
    lines: list[str] = field(default_factory=list)  # its text, once serialized


@dataclass
class CsvSource:
    """How to write a source's CSV: each column's header names and good values, and how to spoil a row."""

    name: str
    tag_column: str
    headers: dict[str, list[str]]  # column -> the names a header may give it (its name, aliases, units)
    always: tuple[str, ...]  # columns every generated header has (required ones, the tag's)
    good: Callable[[Draw, int, str], dict[str, str]]  # (draw, record number, tag) -> cells
    spoil: list[tuple[str, Callable[[Draw], str], str]]  # (column, bad value, word its reason has)
    name_file: Callable[[Draw, int], str] = lambda draw, n: f"file_{n}.csv"


def _films_row(draw: Draw, i: int, tag: str) -> dict[str, str]:
    return {
        "film_id": draw(st.sampled_from([f"film-{i}", ""])),  # absent: the slug of title and year
        "title": tagged(draw, tag),
        "release_date": draw(st.dates(date(1990, 1, 1), date(2030, 12, 31))).isoformat(),
        "production_budget_usd": number_text(draw),
        "distributor": str(draw(text_tail)),
        "genre": str(draw(text_tail)),
        "production_model": draw(st.sampled_from(["indie_digital", "legacy_studio", "", "-"])),
        "domestic_gross_usd": number_text(draw),
        "worldwide_gross_usd": number_text(draw),
    }


def _daily_row(draw: Draw, i: int, tag: str) -> dict[str, str]:
    film_id, title, _ = draw(st.sampled_from(CATALOG))
    return {
        "date": (date(2026, 7, 10) + timedelta(days=i)).isoformat(),  # one report a day: no duplicates
        "title": draw(st.sampled_from([title, title.upper() + "!", f"  {title.lower()} "])),
        "gross_usd": number_text(draw),
        "theaters": number_text(draw, 0, 5_000),
        "film_id": draw(st.sampled_from([film_id, ""])),
        "distributor": tagged(draw, tag),
        "rank": draw(st.sampled_from(["", "1", "2", " 10 ", "-"])),
        "territory": draw(st.sampled_from(["", "domestic", "UK", " japan "])),
        "is_estimate": draw(st.sampled_from(["", "true", "FALSE", "yes", "n", "0", " Y "])),
        "reported_at": draw(st.sampled_from(["", "2026-07-11T16:30:00Z", "2026-07-11T10:00:00+02:00", "2026-07-11"])),
    }


def _links_row(draw: Draw, i: int, tag: str) -> dict[str, str]:
    return {
        "platform": draw(st.sampled_from(["youtube", "reddit", "YouTube", " reddit "])),
        "object_id": tagged(draw, tag),
        "film_id": draw(st.sampled_from([film_id for film_id, _, _ in CATALOG])),
        "role": draw(st.sampled_from(["", "trailer", "Channel", "community"])),
    }


def _gpu_row(draw: Draw, i: int, tag: str) -> dict[str, str]:
    stamp = datetime(2026, 11, 24, 23, 0) + timedelta(seconds=i, milliseconds=draw(st.integers(0, 999)))
    units = draw(st.booleans())

    def measure(value: float, unit: str) -> str:
        return f"{value:g} {unit}" if units else f"{value:g}"

    cells = {
        "ts": draw(st.sampled_from([stamp.strftime("%Y/%m/%d %H:%M:%S.%f")[:-3], stamp.isoformat() + "Z"])),
        "gpu_index": str(draw(st.integers(0, 7))),
        "gpu_name": draw(st.sampled_from(["NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 4090", "[N/A]"])),
        "gpu_uuid": tag + "-GPU-eca187b3",
        "utilization_gpu_pct": measure(draw(st.integers(0, 100)), "%"),
        "utilization_memory_pct": draw(st.sampled_from([measure(draw(st.integers(0, 100)), "%"), "[N/A]"])),
        "memory_used_mib": measure(draw(st.integers(0, 81_559)), "MiB"),
        "memory_total_mib": measure(81_559, "MiB"),
        "power_draw_w": draw(st.sampled_from([measure(draw(st.floats(0, 700, width=16)), "W"), "[N/A]"])),
        "power_limit_w": draw(st.sampled_from([measure(700.0, "W"), "[Not Supported]"])),
        "temperature_gpu_c": str(draw(st.integers(20, 95))),
        "sm_clock_mhz": measure(draw(st.integers(210, 1980)), "MHz"),
    }
    return {column: f" {value}" for column, value in cells.items()}  # `, ` between values, as nvidia-smi writes


def _nvidia_headers(aliases: list[str], unit: str) -> list[str]:
    """A column's header as nvidia-smi prints it: any of its names, with the unit or without."""
    return [f" {alias}" for alias in aliases] + [f" {alias} [{unit}]" for alias in aliases]


# Every column of each source, in the order of its spec (generated headers shuffle them).
FILM_COLUMNS = [column.name for column in SOURCES["films"].columns]
DAILY_COLUMNS = [column.name for column in SOURCES["box_office_daily"].columns]

CSV_SOURCES = {
    "films": CsvSource(
        "films",
        "title",
        {c: [c, c.upper(), f" {c} "] for c in FILM_COLUMNS},
        ("title", "release_date", "production_budget_usd"),
        _films_row,
        [
            ("release_date", lambda draw: draw(st.sampled_from(WRONG["date"] + [""])), "release_date"),
            (
                "production_budget_usd",
                lambda draw: draw(st.sampled_from([*WRONG["number"], "-5"])),
                "production_budget",
            ),
            ("production_model", lambda draw: draw(st.sampled_from(["indie", "Legacy Studio"])), "production_model"),
            ("film_id", lambda draw: draw(st.sampled_from(["Bad Id", "_x", "ÉTÉ"])), "film_id"),
            ("domestic_gross_usd", lambda draw: draw(st.sampled_from(WRONG["number"])), "domestic_gross_usd"),
        ],
    ),
    "box_office_daily": CsvSource(
        "box_office_daily",
        "distributor",
        {c: [c, c.upper(), f"{c} "] for c in DAILY_COLUMNS},
        ("date", "title", "gross_usd", "theaters", "distributor", "film_id"),
        _daily_row,
        [
            ("date", lambda draw: draw(st.sampled_from(WRONG["date"] + [""])), "date"),
            ("gross_usd", lambda draw: draw(st.sampled_from([*WRONG["number"], "-5000"])), "gross_usd"),
            ("theaters", lambda draw: draw(st.sampled_from([*WRONG["integer"], "-1"])), "theaters"),
            (
                "title",
                lambda draw: draw(st.sampled_from(["Nonexistent Film", "Level Zer0"])),
                "unknown film",
            ),  # film_id cleared
            ("title", lambda draw: "", "title is missing"),
            ("is_estimate", lambda draw: draw(st.sampled_from(WRONG["boolean"])), "is_estimate"),
            ("reported_at", lambda draw: draw(st.sampled_from(WRONG["timestamp"])), "reported_at"),
            ("rank", lambda draw: draw(st.sampled_from([*WRONG["integer"], "0"])), "rank"),
        ],
    ),
    "social_links": CsvSource(
        "social_links",
        "object_id",
        {c: [c, c.title(), f" {c}"] for c in ("platform", "object_id", "film_id", "role")},
        ("platform", "object_id", "film_id"),
        _links_row,
        [
            ("film_id", lambda draw: draw(st.sampled_from(["level-zero-2", "nope"])), "unknown film"),
            ("film_id", lambda draw: "", "film_id is missing"),
            ("platform", lambda draw: draw(st.sampled_from(["you tube", "reddit!"])), "platform"),
        ],
    ),
    "gpu_metrics": CsvSource(
        "gpu_metrics",
        "gpu_uuid",
        {
            "ts": [" timestamp"],
            "gpu_index": [" index"],
            "gpu_name": [" name"],
            "gpu_uuid": [" uuid"],
            "utilization_gpu_pct": _nvidia_headers(["utilization.gpu"], "%"),
            "utilization_memory_pct": _nvidia_headers(["utilization.memory"], "%"),
            "memory_used_mib": _nvidia_headers(["memory.used"], "MiB"),
            "memory_total_mib": _nvidia_headers(["memory.total"], "MiB"),
            "power_draw_w": _nvidia_headers(["power.draw", "power.draw.average", "power.draw.instant"], "W"),
            "power_limit_w": _nvidia_headers(["power.limit", "enforced.power.limit"], "W"),
            "temperature_gpu_c": [" temperature.gpu"],
            "sm_clock_mhz": _nvidia_headers(["clocks.current.sm", "clocks.sm"], "MHz"),
        },
        ("ts", "utilization_gpu_pct", "memory_used_mib", "power_draw_w", "gpu_uuid"),
        _gpu_row,
        [
            ("utilization_gpu_pct", lambda draw: draw(st.sampled_from(["150 %", "-1", "fast", "5 percent"])), "util"),
            ("memory_used_mib", lambda draw: draw(st.sampled_from(["10 GiB", "lots", "-3 MiB"])), "memory_used_mib"),
            ("power_draw_w", lambda draw: draw(st.sampled_from(["70 kW", "watts", "-1 W"])), "power_draw_w"),
            ("ts", lambda draw: draw(st.sampled_from(WRONG["timestamp"] + [""])), "ts"),
            ("gpu_index", lambda draw: draw(st.sampled_from(WRONG["integer"])), "gpu_index"),
            ("temperature_gpu_c", lambda draw: draw(st.sampled_from(WRONG["measure"])), "temperature_gpu_c"),
        ],
        name_file=lambda draw, n: draw(st.sampled_from([f"rtx-node-{n:02d}__2026-11-24.csv", f"h100-node-{n}.csv"])),
    ),
}

# Extra header names a producer adds or renames columns to (schema drift).
DRIFT_NAMES = ["mood", "notes", "Budget", "gross", "Film", "fan.speed [%]", "power.draw.instant [W]", "extra"]


@st.composite
def csv_file(draw: Draw, source: CsvSource, number: int) -> Delivery:
    """A CSV of good and spoiled records, perhaps with a drifted header; what must become of it."""
    optional = [c for c in source.headers if c not in source.always and draw(st.booleans())]
    columns = draw(st.permutations([*source.always, *optional]))  # optional columns come and go
    header = {c: draw(st.sampled_from(source.headers[c])) for c in columns}
    names = {h.strip().lower() for h in header.values()}
    drift = [
        d
        for d in draw(st.lists(st.sampled_from(DRIFT_NAMES), max_size=2, unique=True))
        if d.lower() not in names and not (source.name == "gpu_metrics" and d.startswith("power.draw"))
    ]
    records = []
    for i in range(draw(st.integers(0, 12))):
        tag = f"k{number}n{i}x"
        record = Record(tag, source.good(draw, i, tag))
        kind = draw(st.sampled_from(["good"] * 4 + ["spoil", "short", "long", "blank"]))
        spoilable = [s for s in source.spoil if s[0] in columns]
        if kind == "spoil" and spoilable:
            column, bad, word = draw(st.sampled_from(spoilable))
            record.cells[column] = bad(draw)
            record.bad = word
            if column == "title" and word == "unknown film":
                record.cells["film_id"] = ""  # a row with a film_id is matched by it, whatever its title
        elif kind in ("short", "long"):
            record.bad = "could not be split"
            record.cells["__shape__"] = kind
        elif kind == "blank":
            records.append(Record("", {}, blank=True))
        records.append(record)
    name = source.name_file(draw, number)
    if source.name == "gpu_metrics" and "__" not in name:
        for record in records:
            if record.tag and record.bad is None:
                record.bad = "does not name the worker"
    content = _write_csv(source, columns, header, drift, records)
    expect = Expect(
        records=sum(1 for r in records if not r.blank),
        good=frozenset(r.tag for r in records if not r.blank and r.bad is None),
        bad={r.tag: r.bad for r in records if r.bad is not None},
        warning="schema drift" if drift else False,
    )
    return spoil_file(draw, Delivery(name, content, expect), records)


def _write_csv(
    source: CsvSource, columns: list[str], header: dict[str, str], drift: list[str], records: list[Record]
) -> bytes:
    def line(values: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(values)
        return out.getvalue()

    text = line([header[c] for c in columns] + drift)
    for record in records:
        if record.blank:
            record.lines = ["\n"]
        else:
            values = [record.cells[c] for c in columns] + [f"d{i}" for i in range(len(drift))]
            shape = record.cells.get("__shape__")
            if shape == "short":  # two fields fewer, never the tag's: the oracle finds the line by it
                keep = columns.index(source.tag_column)
                dropped = [k for k in range(len(values)) if k != keep][:2]
                values = [v for k, v in enumerate(values) if k not in dropped]
            elif shape == "long":
                values += ["surplus", "more"]
            record.lines = [line(values)]
        text += record.lines[0]
    return text.encode()


# --- JSON records: films (.json, .jsonl), render_events (.jsonl) -------------------------------------


def _film_record(draw: Draw, i: int, tag: str) -> dict[str, Any]:
    cells = _films_row(draw, i, tag)
    record: dict[str, Any] = {k: v for k, v in cells.items() if v != "" or draw(st.booleans())}
    record["title"] = cells["title"]
    record["release_date"] = cells["release_date"]
    if draw(st.booleans()):  # JSON numbers as well as chart text
        record["production_budget_usd"] = draw(st.integers(0, 10**9) | st.floats(0, 1e9, allow_nan=False))
    return record


EVENT_TYPES = ["job_submitted", "frame_started", "frame_finished", "frame_failed", "job_finished"]


def _event_record(draw: Draw, i: int, tag: str) -> dict[str, Any]:
    kind = draw(st.sampled_from(EVENT_TYPES))
    record: dict[str, Any] = {
        "event_id": tag + str(draw(st.sampled_from(["", "-e", "É"]))),
        "event_type": kind,
        "ts": (datetime(2026, 6, 2, 8) + timedelta(seconds=draw(st.integers(0, 86_400)))).isoformat() + "Z",
        "job_id": draw(st.sampled_from(["fl-7f3a", "FL-7F3A", "job 1"])),
        "film_id": draw(st.sampled_from(["level-zero-2026", "Unknown Film"])),
        "shot": draw(st.sampled_from(["sh120", None, ""])),
    }
    if kind.startswith("frame_"):
        record["frame"] = draw(st.integers(0, 10_000) | st.integers(0, 10_000).map(str))
        record["worker"] = draw(st.sampled_from(["rtx-node-03", "h100-01"]))
        record["gpu_model"] = draw(st.sampled_from(["NVIDIA GeForce RTX 4090", None]))
    if kind in ("frame_finished", "frame_failed"):
        record["render_seconds"] = draw(st.floats(0, 10_000, allow_nan=False) | st.just("101.9"))
    if draw(st.booleans()):
        record["samples"] = draw(st.integers(0, 4096))
        record["resolution_x"], record["resolution_y"] = 3840, 2160
        record["peak_memory_mb"] = draw(st.integers(0, 80_000) | st.just("14,210"))
        record["usd_per_hour"] = draw(st.sampled_from([2.5, "2.50", None]))
        record["error"] = str(draw(text_tail))
    return record


@dataclass
class JsonSource:
    name: str
    tag_column: str
    good: Callable[[Draw, int, str], dict[str, Any]]
    spoil: list[tuple[str, Callable[[Draw], Any], str]]  # (key, bad value or DELETE, word its reason has)
    formats: tuple[str, ...]
    keys: tuple[str, ...]  # the keys the source reads
    required: tuple[str, ...]  # the keys a file without which warns (its CSV header would be rejected)


DELETE = object()  # a spoil that removes the key
WRONG_JSON = [{"a": 1}, True, "lots", [5], [], -1.5]
JSON_SOURCES = {
    "films": JsonSource(
        "films",
        "title",
        _film_record,
        [
            (
                "release_date",
                lambda draw: draw(st.sampled_from([20260101, *WRONG["date"], DELETE, None, [1]])),
                "release_date",
            ),
            (
                "production_budget_usd",
                lambda draw: draw(st.sampled_from([*WRONG_JSON[:4], "-5", -5])),
                "production_budget",
            ),
            (
                "production_model",
                lambda draw: draw(st.sampled_from(["indie", 3, ["indie_digital"]])),
                "production_model",
            ),
            (
                "worldwide_gross_usd",
                lambda draw: draw(st.sampled_from([*WRONG_JSON[:4], "[5000]"])),
                "worldwide_gross_usd",
            ),
        ],
        ("json", "jsonl"),
        tuple(FILM_COLUMNS),
        ("title", "release_date", "production_budget_usd"),
    ),
    "render_events": JsonSource(
        "render_events",
        "event_id",
        _event_record,
        [
            ("ts", lambda draw: draw(st.sampled_from([*WRONG["timestamp"], 1781600000, DELETE, None])), "ts"),
            ("event_type", lambda draw: draw(st.sampled_from(["frame_exploded", "FRAME_STARTED", 5])), "event_type"),
            ("job_id", lambda draw: draw(st.sampled_from([DELETE, None, "", "  "])), "job_id"),
            ("render_seconds", lambda draw: draw(st.sampled_from(["fast", -3, {"s": 1}, [1]])), "render_seconds"),
            ("resolution_x", lambda draw: draw(st.sampled_from([0, 1.5, "4k", True])), "resolution_x"),
        ],
        ("jsonl",),
        (
            "event_id",
            "event_type",
            "ts",
            "job_id",
            "film_id",
            "shot",
            "frame",
            "worker",
            "gpu_model",
            "render_seconds",
            "samples",
            "resolution_x",
            "resolution_y",
            "peak_memory_mb",
            "error",
            "usd_per_hour",
        ),
        ("event_id", "event_type", "ts", "job_id"),
    ),
}


DEEP = "__deep__"
NOT_JSON = ["{not json", '{"a": 1', "undefined", "{'a': 1}"]
NOT_OBJECTS = ["[1, 2]", '"text"', "42", "null", "true"]


@st.composite
def json_file(draw: Draw, source: JsonSource, number: int) -> Delivery:
    """JSON Lines or a JSON array of good and spoiled records, perhaps with keys drifted."""
    fmt = draw(st.sampled_from(source.formats))
    drift = draw(st.lists(st.sampled_from(["mood", "budget", "gpu", "Title", "extra"]), max_size=2, unique=True))
    records: list[Record] = []
    for i in range(draw(st.integers(0, 12))):
        tag = f"k{number}n{i}x"
        values = source.good(draw, i, tag)
        for key in drift:
            values.setdefault(key, draw(st.sampled_from([1, "x", None, {"a": [1]}])))
        record = Record(tag, values)
        kind = draw(st.sampled_from(["good"] * 4 + ["spoil", "not-json", "not-object", "deep", "blank"]))
        if kind == "spoil":
            key, bad, word = draw(st.sampled_from(source.spoil))
            value = bad(draw)
            if value is DELETE:
                record.cells.pop(key, None)
            else:
                record.cells[key] = value
            record.bad = word
        elif kind in ("not-json", "not-object"):
            text = draw(st.sampled_from(NOT_JSON if kind == "not-json" else NOT_OBJECTS))
            record = Record("", {"__text__": text}, unknown=True)
        elif kind == "deep":  # a value nested thousands deep, in a text column: kept as its JSON text
            record.cells["genre" if source.name == "films" else "error"] = DEEP
            record.cells["__depth__"] = draw(st.integers(1, 5000))
            record.unknown = True
        elif kind == "blank" and fmt == "jsonl":
            records.append(Record("", {}, blank=True))
        records.append(record)
    ascii_only = draw(st.booleans())
    for record in records:
        if record.blank:
            text = ""
        elif "__text__" in record.cells:
            text = record.cells["__text__"]
        else:
            depth = record.cells.pop("__depth__", 0)
            text = json.dumps(record.cells, ensure_ascii=ascii_only)
            # written as text: Python's json would recurse as deep as the value
            text = text.replace(json.dumps(DEEP), "[" * depth + "]" * depth)
        record.lines = [text + "\n"]
    objects = [r.cells for r in records if not r.blank and "__text__" not in r.cells]
    keys = {key for cells in objects for key in cells}
    drifted = bool(objects) and (bool(keys - set(source.keys)) or any(k not in keys for k in source.required))
    expect = Expect(
        records=sum(1 for r in records if not r.blank),
        good=frozenset(r.tag for r in records if r.tag and r.bad is None and not r.unknown),
        bad={r.tag: r.bad for r in records if r.tag and r.bad is not None},
        warning="schema drift" if drifted else False,
    )
    if fmt == "jsonl":
        body = "".join(r.lines[0] for r in records).encode()
        return spoil_file(draw, Delivery(f"file_{number}.jsonl", body, expect), records)
    elements = [r.lines[0][:-1] for r in records if not r.blank]
    body = ("[" + ",\n".join(elements) + "]").encode()
    if any(r.cells.get("__text__") in NOT_JSON for r in records):
        # one element that is not JSON spoils the array: the file is rejected whole
        return Delivery(f"file_{number}.json", body, Expect(reject="not valid JSON"))
    return spoil_file(draw, Delivery(f"file_{number}.json", body, expect), None)


# --- API responses: youtube, reddit ------------------------------------------------------------------


def _video(draw: Draw, i: int, tag: str) -> dict[str, Any]:
    return {
        "kind": "youtube#video",
        "etag": "dmlkZW9FdGFn",
        "id": f"vid{i}" + draw(st.sampled_from(["", "-X", "_é"])),
        "snippet": {"publishedAt": "2026-06-01T15:00:00Z", "channelId": "UCexample", "title": tagged(draw, tag)},
        "statistics": {
            k: draw(st.sampled_from([str(draw(st.integers(0, 10**9))), draw(st.integers(0, 10**9))]))
            for k in ("viewCount", "likeCount", "favoriteCount", "commentCount")
            if draw(st.booleans())
        },
    }


def _post(draw: Draw, i: int, tag: str) -> dict[str, Any]:
    return {
        "kind": "t3",
        "data": {
            "id": f"p{i}",
            "name": f"t3_p{i}",
            "subreddit": draw(st.sampled_from(["levelzero", "LevelZero"])),
            "title": tagged(draw, tag),
            "score": draw(st.integers(-100, 100_000)),
            "upvote_ratio": draw(st.floats(0, 1, allow_nan=False)),
            "num_comments": draw(st.integers(0, 5000)),
            "created_utc": 1781600000.0,
            "permalink": "/r/levelzero/comments/x/",
        },
    }


@dataclass
class DocumentSource:
    name: str
    good: Callable[[Draw, int, str], dict[str, Any]]
    wrap: Callable[[list[Any]], dict[str, Any]]  # items -> the response body
    item_path: tuple[str, ...]  # the key holding the spoiled values in an item
    spoil: list[tuple[tuple[str, ...], Any, str]]  # (path in the item, bad value or DELETE, word)
    errors: list[tuple[Any, str]]  # (a body that is not data, the word its rejection has)


DOCUMENT_SOURCES = {
    "youtube": DocumentSource(
        "youtube",
        _video,
        lambda items: {"kind": "youtube#videoListResponse", "items": items, "pageInfo": {"totalResults": len(items)}},
        ("snippet",),
        [
            (("statistics", "viewCount"), "12.5", "view_count"),
            (("statistics", "likeCount"), {"a": 1}, "like_count"),
            (("statistics", "commentCount"), ["1"], "comment_count"),
            (("statistics", "favoriteCount"), -3, "favorite_count"),
            (("statistics",), "hidden", "statistics is a JSON"),
            (("snippet",), "SNIPPET", "snippet is a JSON"),  # the tag goes into the string: see below
            (("snippet", "publishedAt"), "yesterday", "published_at"),
            (("id",), DELETE, "object_id is missing"),
            (("kind",), "youtube#channel", "item in a"),
        ],
        [
            ({"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}}, "API answered"),
            ({"kind": "youtube#searchListResponse", "items": []}, "body, not"),
            ({"kind": "youtube#videoListResponse"}, "has no items"),
            ([1, 2], "expected one JSON object"),
        ],
    ),
    "reddit": DocumentSource(
        "reddit",
        _post,
        lambda items: {"kind": "Listing", "data": {"after": "t3_x", "children": items}},
        ("data",),
        [
            (("data", "score"), "high", "score"),
            (("data", "num_comments"), -1, "num_comments"),
            (("data", "upvote_ratio"), "[0.5]", "upvote_ratio"),
            (("data", "subreddit"), DELETE, "subreddit is missing"),
            (("data",), "DATA", "data is a JSON"),
            (("kind",), "t1", "not a t3 post"),
        ],
        [
            ({"error": 429, "message": "Too Many Requests"}, "API answered"),
            ({"data": {"children": []}}, "kind-less body"),
            ({"kind": "Listing", "data": {}}, "has no data.children"),
            ("just text", "expected one JSON object"),
        ],
    ),
}


@st.composite
def document_file(draw: Draw, source: DocumentSource, number: int) -> Delivery:
    """One API response: items good and spoiled, or a body that is no data; enveloped or stamped."""
    fetched = datetime(2026, 6, 20, 9) + timedelta(minutes=number)
    stamp = fetched.strftime("%Y%m%dT%H%M%SZ")
    how = draw(st.sampled_from(["envelope", "stamped", "stamped", "no-time", "bad-time", "error", "wrong-name"]))
    items: list[Any] = []
    good, bad = set(), {}
    for i in range(draw(st.integers(0, 10))):
        tag = f"k{number}n{i}x"
        item = source.good(draw, i, tag)
        kind = draw(st.sampled_from(["good"] * 3 + ["spoil", "null", "extra"]))
        if kind == "spoil":
            path, value, word = draw(st.sampled_from(source.spoil))
            node = item
            for key in path[:-1]:
                node = node[key]
            if value is DELETE:
                node.pop(path[-1], None)
            else:
                node[path[-1]] = f"{tag} {value}" if value in ("SNIPPET", "DATA") else value
            bad[tag] = word
        elif kind == "null":
            items.append(None)  # quarantined: not an object, no tag to find it by
            continue
        else:
            if kind == "extra":
                item["unexpected"] = {"nested": [1, {"deep": True}]}  # API keys we do not read: no drift
            good.add(tag)
        items.append(item)
    body: Any = source.wrap(items)
    name = f"{source.name}_{number}_{stamp}.json"
    expect = Expect(records=len(items), good=frozenset(good), bad=bad, warning=False)
    if how == "envelope":
        body, name = {"fetched_at": fetched.isoformat() + "Z", "response": body}, f"{source.name}_{number}.json"
    elif how == "no-time":
        name, expect = f"{source.name}_{number}.json", Expect(reject="no observation time")
    elif how == "bad-time":
        body = {"fetched_at": draw(st.sampled_from(["soon", "12345", "2026-13-45T00:00:00Z"])), "response": body}
        expect = Expect(reject="fetched_at")
    elif how == "error":
        body, word = draw(st.sampled_from(source.errors))
        expect = Expect(reject=word)
    elif how == "wrong-name":
        name, expect = f"{source.name}_{number}_{stamp}.txt", Expect(reject="expected a .json file")
    text = json.dumps(body, indent=draw(st.sampled_from([None, 1])), ensure_ascii=draw(st.booleans()))
    return spoil_file(draw, Delivery(name, text.encode(), expect), None)


# --- render logs -------------------------------------------------------------------------------------

NOISE = [
    b"Warning: Unable to open font file\n",
    b'Traceback (most recent call last):\n  File "render.py", line 3\n',
    b"Fra:abc Mem:?? | Time:xx\n",
    b"Saved: ''\n",
    b" Time: 99:99.99 (Saving: zz)\n",
    b"Blender quit\n",
    b"Fra:2 Mem:1.00M (Peak 99999999999999999999999999.0T) | Time:00:01.00 | Sample 1/1\n",
    b"Fra:99999999999999999999 Mem:1M (Peak 1M) | Time:00:01.00 | Sample 1/1\n",
    "Saved: '/renders/f\u00e9te_0007.png'\n".encode("latin-1"),  # a Latin-1 byte inside a line
    b"x" * 100_000 + b"\n",
]


@st.composite
def log_file(draw: Draw, number: int) -> Delivery:
    """A real Blender log, cut anywhere, with noise lines spliced in; its frames as the parser finds them."""
    log = draw(st.sampled_from(BLENDER_LOGS))
    lines = log.read_bytes().splitlines(keepends=True)
    for _ in range(draw(st.integers(0, 3))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(NOISE)))
    content = b"".join(lines)
    if draw(st.booleans()):  # cut mid-line, or anywhere: a killed render, a partial upload
        content = content[: draw(st.integers(1, max(len(content), 1)))]
    name = log.name.replace("job-", f"job-{number}-")
    if draw(st.integers(0, 9)) == 0:
        name = draw(st.sampled_from(["render.log", "a__b__c.log", "a__b__c__d__e.log", "a__b__c__d.txt"]))
        name = f"{number}{name}"  # names are unique in a batch, as the oracle finds files by name
    return spoil_file(draw, Delivery(name, content, log_expect(name, content)), None)


def log_expect(name: str, content: bytes) -> Expect:
    """What the loader must make of a log: rejected for its name or for not being text from its first line
    on, else one row per frame the parser finds, at the frame's first line."""
    first = content.split(b"\n", 1)[0]
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in first or not _utf8(first):
        return Expect(reject="")  # not text from its first line on: checked before the name
    if name.count("__") != 3 or not name.endswith(".log"):
        return Expect(reject="render log name")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        frames = list(parse_file(path))
    return Expect(records=len(frames), frames=frozenset(f.first_line for f in frames), warning=False)


# --- spoiling a whole file ---------------------------------------------------------------------------


def spoil_file(draw: Draw, delivery: Delivery, records: list[Record] | None) -> Delivery:
    """The file as delivered: as written, or re-encoded, cut, emptied, garbled; with what becomes of it.

    `records` (files read line by line: CSV, JSON Lines) lets a Latin-1 copy or a cut say
    exactly which records keep their fate; without it those spoils leave less known.
    """
    how = draw(
        st.sampled_from(["as-is"] * 6 + ["bom", "crlf", "latin-1", "utf-16", "cut", "empty", "splice", "garbage"])
    )
    content, expect, name = delivery.content, delivery.expect, delivery.name
    if how == "bom":
        content = b"\xef\xbb\xbf" + content
    elif how == "crlf" and not name.endswith(".log"):
        content = content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    elif how == "utf-16":
        content, expect = content.decode("utf-8", errors="replace").encode("utf-16"), Expect(reject="UTF-16")
    elif how == "empty":
        content, expect = b"", Expect(reject="the file is empty")
    elif how == "latin-1":
        content, expect = _latin1(delivery, records)
    elif how == "cut" and len(content) > 2:
        content, expect = _cut(draw, delivery, records)
    elif how == "splice":
        at = draw(st.integers(0, len(content)))
        content, expect = content[:at] + draw(st.binary(min_size=1, max_size=40)) + content[at:], Expect()
    elif how == "garbage":
        content, expect = draw(st.binary(min_size=1, max_size=3000)), Expect()
    if name.endswith(".log") and how not in ("as-is", "utf-16", "empty"):
        expect = log_expect(name, content)  # the parser is the oracle of a log's frames
    if not content:
        expect = Expect(reject="the file is empty")
    return Delivery(name, content, expect)


def _latin1(delivery: Delivery, records: list[Record] | None) -> tuple[bytes, Expect]:
    """The file in Latin-1 (`?` for what Latin-1 lacks): a document that is no longer UTF-8 is rejected;
    a file read line by line loses only the lines that are not, if the generator knows its lines."""
    content = delivery.content.decode("utf-8", errors="replace").encode("latin-1", errors="replace")
    if _utf8(content):
        return content, delivery.expect  # plain ASCII, or only `?` put in
    if records is None:
        return content, Expect(reject="" if delivery.name.endswith(".json") else None)
    if any("\n" in line[:-1] for r in records for line in r.lines):
        return content, Expect()  # a record spanning lines: which of them DuckDB refuses is its business
    spoiled = {
        r.tag: "UTF-8" for r in records if r.tag and not _utf8("".join(r.lines).encode("latin-1", errors="replace"))
    }
    expect = delivery.expect
    return content, replace(
        expect,
        good=expect.good - spoiled.keys(),
        bad={**{t: w for t, w in expect.bad.items() if t not in spoiled}, **spoiled},
    )


def _utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _cut(draw: Draw, delivery: Delivery, records: list[Record] | None) -> tuple[bytes, Expect]:
    """The file cut at any byte: the records wholly before the cut keep their fate, the one cut is counted."""
    content = delivery.content
    at = draw(st.integers(1, len(content) - 1))
    cut = content[:at]
    if records is None or delivery.expect.records is None:
        return cut, Expect(reject="" if delivery.name.endswith(".json") else None)
    if any("\n" in line[:-1] for r in records for line in r.lines):
        return cut, Expect()  # a quoted value spanning lines may be cut open: anything may follow
    header = len(content) - sum(len("".join(r.lines).encode()) for r in records)
    if at <= header:
        return cut, Expect()  # the header itself is cut: whatever it names now
    whole, partial, offset = [], None, header
    for record in records:
        size = len("".join(record.lines).encode())
        if offset + size <= at:
            whole.append(record)
        elif offset < at:
            partial = record
        offset += size
    if partial is not None and (partial.blank or not cut[cut.rfind(b"\n") + 1 :].strip()):
        partial = None  # nothing but blanks left of it: no record
    tags = {r.tag for r in whole}
    expect = delivery.expect
    if delivery.name.endswith(".csv") and cut[cut.rfind(b"\n") + 1 :].count(b'"') % 2:
        # Cut inside a quoted value: DuckDB's sniffer then reads the whole file without quotes,
        # so every quoted comma splits its row (quarantined, not lost): only the count is known.
        tags = set()
    return cut, replace(
        expect,
        records=sum(1 for r in whole if not r.blank) + (partial is not None),
        good=frozenset(t for t in expect.good if t in tags),
        bad={t: w for t, w in expect.bad.items() if t in tags},
        warning=expect.warning if delivery.name.endswith(".csv") else None,
    )
