"""The properties every batch of bad input must have, whatever the input (`check_batch`).

Per file: exactly one outcome, the same in the report and in meta.loads; a rejected file has
one quarantine row (the whole file) and a reason a person can act on; a loaded file has as
many rows in raw and quarantine as meta.loads says, each record once (no two rows of a
file on one line), each quarantined row naming its file and line with a recognised reason.
What a generator knows of a file (`Expect`) is checked on top: its record count, the
records that must load, the ones that must be quarantined and why, a rejection, a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines.lib.loading import LoadReport, SourceSpec
from tests.fuzz.conftest import FuzzLake

# Whole-file reasons, as docs/landing.md lists them (a source adds its `no_header_reason`).
WHOLE_FILE_REASONS = [
    r"the file is empty$",
    r"the file is UTF-(?:16|32) text \(it starts with a UTF-(?:16|32) byte-order mark\)",
    r"line \d+ holds a NUL byte: ",
    r"the file is not UTF-8 text: line \d+ ",
    r"[A-Z]+ is not an accepted format for this source \(accepted: ",
    r"the header lacks required column\(s\) ",
    r"the header gives .+ in .+: \w+ is read in ",
    r"not readable as (?:CSV|JSON): .+",
    r"not valid JSON \(truncated or malformed",
    r"expected a JSON array of records, found a JSON \w+$",
    r"expected one JSON object \(an API response\), found a JSON \w+$",
    r"expected a \.json file holding one API response$",
    r"the API answered with an error, not data",
    r"a (?:'.*'|kind-less) body, not ",
    r"the response has no [\w.]+ array$",
    r"no observation time: ",
    r"fetched_at '.*' is not an ISO 8601 timestamp$",
    r"render log name '.*' is not <film_id>__<shot>__<worker>__<job_id>\.log",
]
# Row reasons that name no column (every other reason starts with the column it is about).
ROW_REASONS = [
    r"the line could not be split into the header's columns \(",
    r"the line is not UTF-8 text: ",
    r"the record is not valid JSON",
    r"the record is a JSON \w+, not an object",
    r"duplicate (?:of |event_id '|observation: )",
    r"unknown film: no (?:film_id|title matching) ",
    r"frame_(?:started|finished|failed) event without ",
    r"a (?:'.*'|kind-less) (?:item in a|child, not a t3 post)",
    r"the file name does not name the worker ",
]


@dataclass(frozen=True)
class Expect:
    """What a generator knows must become of one file; None or empty: it does not know."""

    records: int | None = None  # records in the file by its own count (lines, elements, items, frames)
    good: frozenset[str] = frozenset()  # tags of records that must load (see `tagged`)
    bad: Mapping[str, str] = field(default_factory=dict)  # tag -> a word its reason must contain
    reject: str | None = None  # the file must be rejected whole, its reason containing this
    loads: bool = False  # the file must not be rejected
    warning: str | bool | None = None  # text: the loaded file's detail has it (schema drift); False: no detail
    frames: frozenset[int] | None = None  # render logs: the first lines of the frames the parser finds


@dataclass(frozen=True)
class Delivery:
    name: str
    content: bytes
    expect: Expect


@dataclass
class Tally:
    """What the checks saw, for the report of a fuzz run."""

    files: int = 0
    rejected: int = 0
    records: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_lost: int = 0


# Per (kind of input, source): what the checks saw in this session, printed at its end (conftest).
TALLY: dict[tuple[str, str], Tally] = {}


def check_batch(
    lake: FuzzLake,
    spec: SourceSpec,
    tag_column: str | None,
    deliveries: Sequence[Delivery],
    report: LoadReport,
    *,
    kind: str = "generated",
) -> None:
    """Every property of a loaded batch; AssertionError naming the file and what is wrong."""
    assert report.committed, f"the batch was not committed: {report.quality.summary() if report.quality else ''}"
    tally = TALLY.setdefault((kind, spec.name), Tally())
    loads = {
        (row["file_name"], row["file_sha256"]): row
        for row in lake.rows(
            "SELECT file_name, file_sha256, status, rows_loaded, rows_quarantined, detail FROM meta.loads "
            "WHERE source = ?",
            [spec.name],
        )
    }
    for delivery in deliveries:
        [outcome] = [o for o in report.files if o.file.name == delivery.name]
        where = f"{spec.name}/{delivery.name}"
        load = loads[(delivery.name, outcome.file.sha256)]
        assert (load["status"], load["rows_loaded"], load["rows_quarantined"], load["detail"]) == (
            outcome.status,
            outcome.rows_loaded,
            outcome.rows_quarantined,
            outcome.detail,
        ), f"{where}: meta.loads disagrees with the report"
        tally.files += 1
        if outcome.status == "duplicate":
            twins = [d for d in deliveries if d.content == delivery.content and d is not delivery]
            assert twins, f"{where}: a duplicate of nothing in its batch ({outcome.detail})"
            continue
        if outcome.status == "rejected":
            tally.rejected += 1
            _check_rejected(lake, spec, where, sha=outcome.file.sha256, detail=outcome.detail, delivery=delivery)
            continue
        assert outcome.status == "loaded", f"{where}: status {outcome.status}"
        assert delivery.expect.reject is None, (
            f"{where}: loaded, but must be rejected ({delivery.expect.reject}); detail {outcome.detail}"
        )
        raw = lake.rows(
            f"SELECT *, NULL AS _reason, NULL AS _raw FROM raw.{spec.name} WHERE _file_sha256 = ?",
            [outcome.file.sha256],
        )
        quarantined = lake.rows(f"SELECT * FROM quarantine.{spec.name} WHERE _file_sha256 = ?", [outcome.file.sha256])
        assert (len(raw), len(quarantined)) == (outcome.rows_loaded, outcome.rows_quarantined), (
            f"{where}: raw and quarantine hold {len(raw)} + {len(quarantined)} rows, meta.loads says "
            f"{outcome.rows_loaded} + {outcome.rows_quarantined}"
        )
        tally.rows_loaded += len(raw)
        tally.rows_quarantined += len(quarantined)
        lines = [row["_row_number"] for row in raw + quarantined]
        assert None not in lines, f"{where}: a row without its line"
        assert len(set(lines)) == len(lines), f"{where}: two rows on one line: {sorted(lines)}"
        assert min(lines, default=1) >= 1, f"{where}: a line before the first"
        for row in quarantined:
            assert row["_file_name"] == delivery.name, f"{where}: quarantined under {row['_file_name']}"
            _check_row_reason(spec, where, row)
        _check_expected(
            spec,
            tag_column,
            where,
            expect=delivery.expect,
            detail=outcome.detail,
            raw=raw,
            quarantined=quarantined,
            tally=tally,
        )


def _check_rejected(
    lake: FuzzLake, spec: SourceSpec, where: str, *, sha: str, detail: str | None, delivery: Delivery
) -> None:
    expect = delivery.expect
    must_load = expect.reject is None and (expect.loads or expect.records is not None)
    assert not must_load, f"{where}: rejected ({detail}), but it must load"
    assert detail, f"{where}: rejected without a reason"
    assert "\n" not in detail, f"{where}: a reason for machines: {detail!r}"
    assert ".queue" not in detail, f"{where}: a reason naming the landing queue: {detail!r}"
    known = [*WHOLE_FILE_REASONS, re.escape(spec.no_header_reason)]
    assert any(re.match(pattern, detail) for pattern in known), f"{where}: an unknown reason: {detail!r}"
    if expect.reject is not None:
        assert expect.reject in detail, f"{where}: rejected ({detail}), expected a reason with {expect.reject!r}"
    rows = lake.rows(
        f"SELECT _row_number, _reason, _file_name FROM quarantine.{spec.name} WHERE _file_sha256 = ?", [sha]
    )
    assert rows == [{"_row_number": None, "_reason": f"whole file rejected: {detail}", "_file_name": delivery.name}], (
        f"{where}: a rejected file is one quarantine row, not {rows}"
    )
    in_raw = lake.rows(f"SELECT count(*) AS n FROM raw.{spec.name} WHERE _file_sha256 = ?", [sha])
    assert in_raw == [{"n": 0}], f"{where}: rejected, yet rows in raw"


def _check_row_reason(spec: SourceSpec, where: str, row: dict[str, Any]) -> None:
    reason = row["_reason"]
    assert reason, f"{where} line {row['_row_number']}: quarantined without a reason"
    assert "Traceback" not in reason, f"{where}: a reason for machines: {reason!r}"
    assert ".queue" not in reason, f"{where}: a reason naming the landing queue: {reason!r}"
    columns = "|".join(re.escape(c.name) for c in spec.columns)
    parents = "|".join(re.escape(".".join(c.json_keys[:-1])) for c in spec.columns if len(c.json_keys) > 1)
    patterns = [rf"(?:{columns}) ", *ROW_REASONS]
    if parents:
        patterns.append(rf"(?:{parents}) is a JSON \w+, not an object")
    assert any(re.match(pattern, reason) for pattern in patterns), (
        f"{where} line {row['_row_number']}: a reason that names no column: {reason!r}"
    )


def _check_expected(
    spec: SourceSpec,
    tag_column: str | None,
    where: str,
    *,
    expect: Expect,
    detail: str | None,
    raw: list[dict[str, Any]],
    quarantined: list[dict[str, Any]],
    tally: Tally,
) -> None:
    found = len(raw) + len(quarantined)
    if expect.records is not None:
        tally.records += expect.records
        tally.rows_lost += max(expect.records - found, 0)
        assert found == expect.records, f"{where}: {expect.records} records, {len(raw)} loaded + {len(quarantined)}"
    if expect.frames is not None:
        lines = {row["_row_number"] for row in raw + quarantined}
        assert lines == expect.frames, f"{where}: frames at lines {sorted(lines)}, the parser found {expect.frames}"
    if isinstance(expect.warning, str):
        assert detail is not None, f"{where}: no warning, want {expect.warning!r}"
        assert expect.warning in detail, f"{where}: warning {detail!r}, want {expect.warning!r}"
    elif expect.warning is False:
        assert detail is None, f"{where}: a warning about a file without drift: {detail}"
    if tag_column is None:
        return
    for tag in expect.good:
        loaded = [r for r in raw if _tagged(r, tag_column, tag)]
        why = [q["_reason"] for q in quarantined if _tagged(q, tag_column, tag) or tag in (q["_raw"] or "")]
        assert len(loaded) == 1, f"{where}: the good record {tag} is {len(loaded)} times in raw (quarantined: {why})"
    for tag, word in expect.bad.items():
        reasons = [q["_reason"] for q in quarantined if _tagged(q, tag_column, tag) or tag in (q["_raw"] or "")]
        assert reasons, f"{where}: the bad record {tag} is not quarantined"
        assert word in reasons[0], f"{where}: the bad record {tag} is quarantined for {reasons[0]!r}, not {word!r}"


def _tagged(row: dict[str, Any], column: str, tag: str) -> bool:
    value = row.get(column)
    # a leading quote stays when DuckDB reads a file without quoting (see inputs._cut)
    return isinstance(value, str) and value.strip().lstrip('"').startswith(tag)
