"""SIGKILL `backlot serve`, `backlot run` and `backlot maintain` anywhere, many times: nothing lost,
nothing loaded twice, nothing half-published.

A seeded loop (see crash.py): the same rounds of files go into two homes; one runs each
round uninterrupted, the other has its serve, passes and maintenance killed at random moments
several times before one of each runs to the end. The killed home must end exactly where the
uninterrupted one did.

    BACKLOT_FAULT_SEED=7 BACKLOT_FAULT_KILLS=40 .venv/bin/pytest tests/faults -s   # more kills per round
    make soak                                                                      # hundreds of kills
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.faults.crash import ROUNDS, Crasher, Durations, crash_loop, differences, outcome

SEED = int(os.environ.get("BACKLOT_FAULT_SEED", "20261204"))
KILLS_PER_ROUND = int(os.environ.get("BACKLOT_FAULT_KILLS", "2"))


def test_killed_processes_end_where_an_uninterrupted_run_does(tmp_path: Path) -> None:
    print(f"\nBACKLOT_FAULT_SEED={SEED} BACKLOT_FAULT_KILLS={KILLS_PER_ROUND}")  # to replay a failure
    reference = Crasher(tmp_path / "reference")
    passes, maintenances = [], []
    for round_ in ROUNDS:
        reference.deliver(round_)
        passes.append(reference.run())
        maintenances.append(reference.run("maintain"))
    expected = outcome(reference)
    assert expected["left_started"] == []

    crashed = Crasher(tmp_path / "crashed")
    durations = Durations(passes=max(passes), maintenance=max(maintenances))
    findings = crash_loop(crashed, seed=SEED, kills_per_round=KILLS_PER_ROUND, durations=durations)
    print(
        f"\nseed {SEED}: {findings.kills} kills ({dict(findings.phases)}), {findings.finished_first} ended "
        f"before their kill, {findings.passes} passes and "
        f"{findings.maintenances} maintenances to the end, {findings.reads} consistent reads, "
        f"{len(findings.partial_reads)} partial, {len(findings.reader_errors)} reader errors"
    )
    assert differences(expected, outcome(crashed)) == []
    assert findings.partial_reads == []
    assert findings.reader_errors == [], set(findings.reader_errors)
