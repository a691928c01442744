"""SIGKILL `backlot run` anywhere, many times: nothing lost, nothing loaded twice, nothing half-published.

A seeded loop (see crash.py): the same rounds of files go into two homes; one runs each
round uninterrupted, the other has every pass killed at random moments several times before
one runs to the end. The killed home must end exactly where the uninterrupted one did.

    BACKLOT_FAULT_SEED=7 BACKLOT_FAULT_KILLS=40 .venv/bin/pytest tests/faults -s   # more kills per round
    make soak                                                                      # hundreds of kills
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.faults.crash import ROUNDS, Crasher, crash_loop, outcome

SEED = int(os.environ.get("BACKLOT_FAULT_SEED", "20261204"))
KILLS_PER_ROUND = int(os.environ.get("BACKLOT_FAULT_KILLS", "2"))


def test_killed_passes_end_where_an_uninterrupted_run_does(tmp_path: Path) -> None:
    reference = Crasher(tmp_path / "reference")
    durations = []
    for round_ in ROUNDS:
        reference.deliver(round_)
        durations.append(reference.run())
    expected = outcome(reference)
    assert expected["left_started"] == []

    crashed = Crasher(tmp_path / "crashed")
    findings = crash_loop(crashed, seed=SEED, kills_per_round=KILLS_PER_ROUND, pass_seconds=max(durations))
    got = outcome(crashed)
    print(
        f"\nseed {SEED}: {findings.kills} kills ({dict(findings.phases)}), {findings.passes} passes to the end, "
        f"{findings.reads} consistent reads, {len(findings.partial_reads)} partial, "
        f"{len(findings.reader_errors)} reader errors"
    )
    assert got["left_started"] == []
    assert got["loads"] == expected["loads"]  # every file loaded (or refused) once, as without kills
    assert got["rows"] == expected["rows"]  # raw and quarantine rows per file
    assert got["marts"] == expected["marts"]
    assert findings.partial_reads == []
    assert findings.reader_errors == [], set(findings.reader_errors)
