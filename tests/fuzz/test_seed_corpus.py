"""The hand-made seed corpus: the same bad files every run, whatever seed Hypothesis draws.

`tests/fixtures/corpus/<source>/` holds files a producer, a tool or a crash really makes
(truncated, Latin-1, UTF-16, ragged, quoted newlines, wrong JSON types, deep nesting, huge
fields, empty, binary, logs cut mid-line, other nvidia-smi drivers, drifted columns) and
`expected.json`: per file what it is and exactly what must become of it (its status, rows
loaded and quarantined, the reason of each quarantined line or of the rejection, the schema
drift warning, a few loaded values). A source's files are loaded as one batch, as a run
takes them, so a file that breaks the batch breaks every file's test. Inputs that once
crashed or silently dropped data say so in their `about`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.sources import SOURCES
from tests.fuzz.conftest import FuzzLake
from tests.fuzz.oracle import Delivery, Expect, check_batch

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


def _expected(source: str) -> dict[str, dict[str, Any]]:
    manifest: dict[str, dict[str, Any]] = json.loads((CORPUS / source / "expected.json").read_text())
    return manifest


def test_every_source_has_a_seed_corpus_and_every_file_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) == sorted(SOURCES)
    for source in SOURCES:
        files = {p.name for p in (CORPUS / source).iterdir() if p.name != "expected.json"}
        assert files == set(_expected(source)), source
        assert len(files) >= 5, f"{source}: a seed corpus of {len(files)} files"


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_the_seed_corpus_is_loaded_or_refused_exactly_as_expected(fuzz_lake: FuzzLake, source: str) -> None:
    spec = SOURCES[source]
    expected = _expected(source)
    deliveries = [
        Delivery(name, (CORPUS / source / name).read_bytes(), _expect(want)) for name, want in sorted(expected.items())
    ]
    fuzz_lake.reset(spec)

    report = fuzz_lake.load(spec, [(d.name, d.content) for d in deliveries])

    check_batch(fuzz_lake, spec, None, deliveries, report, kind="seed corpus")
    for outcome in report.files:
        want, where = (
            expected[outcome.file.name],
            f"{source}/{outcome.file.name} ({expected[outcome.file.name]['about']})",
        )
        assert outcome.status == want["status"], f"{where}: {outcome.status}, {outcome.detail}"
        if want["status"] == "rejected":
            continue
        assert (outcome.rows_loaded, outcome.rows_quarantined) == (want["loaded"], want["quarantined"]), where
        reasons = dict(
            fuzz_lake.con.execute(
                f"SELECT _row_number, _reason FROM quarantine.{source} WHERE _file_sha256 = ?", [outcome.file.sha256]
            ).fetchall()
        )
        assert sorted(reasons) == sorted(int(line) for line in want.get("reasons", {})), f"{where}: {reasons}"
        for line, part in want.get("reasons", {}).items():
            assert part in reasons[int(line)], f"{where} line {line}: {reasons[int(line)]!r} lacks {part!r}"
        for line, values in want.get("raw", {}).items():
            columns = ", ".join(f'"{c}"' for c in values)
            [row] = fuzz_lake.rows(
                f"SELECT {columns} FROM raw.{source} WHERE _file_sha256 = ? AND _row_number = ?",
                [outcome.file.sha256, int(line)],
            )
            assert row == values, f"{where} line {line}"


def _expect(want: dict[str, Any]) -> Expect:
    if want["status"] == "rejected":
        return Expect(reject=want["reason"])
    return Expect(records=want["loaded"] + want["quarantined"], warning=want.get("warning", False))
