"""Two `backlot run`s at once, deliveries (`backlot ingest` and the ingest API) during every
phase of them, readers throughout.

The lake's SQLite catalog takes one writer at a time: every step that writes it is in the
Dagster pool `lake_writers` (limit 1), so two runs interleave step by step instead of
failing with "database is locked". Files delivered while a run claims and loads its batch
are either in that batch or left for the next, never lost and never loaded twice.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

from pipelines.settings import REPO_ROOT
from tests.faults.crash import ROUNDS, Crasher, Findings, env, outcome, post, read_throughout
from tests.net import free_port, wait_for

HEADER = "date,title,gross_usd,theaters,is_estimate,reported_at\n"


def _late_report(number: int) -> str:
    return HEADER + f'2026-08-{number:02d},Level Zero,"${number * 1000:,}",100,false,2026-08-{number:02d}T12:00:00Z\n'


def test_two_runs_at_once_with_deliveries_during_them(tmp_path: Path) -> None:
    crasher = Crasher(tmp_path / "home")
    crasher.deliver(ROUNDS[0])
    findings = Findings()
    stop = threading.Event()
    reader = threading.Thread(target=read_throughout, args=(crasher, stop, findings), daemon=True)
    reader.start()
    port = free_port()
    api = crasher.start("api", "--port", str(port), log=tmp_path / "api.log")
    runs = []
    delivered = []
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", 60)
        runs = [crasher.start(), crasher.start()]
        # One file after another, by `backlot ingest` and by the API in turn, while either run goes.
        while any(run.poll() is None for run in runs) and len(delivered) < 12:
            number = len(delivered) + 1
            name = f"late-{number:02d}.csv"
            if number % 2:
                assert post(port, "box_office_daily", name, _late_report(number)) == 202
            else:
                source = tmp_path / name
                source.write_text(_late_report(number))
                ingest = subprocess.run(
                    [sys.executable, "-m", "pipelines.cli", "ingest", "box_office_daily", str(source)],
                    env=env(crasher.home),
                    cwd=REPO_ROOT,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert ingest.returncode == 0, ingest.stderr
            delivered.append(name)
        outputs = []
        for run in runs:
            output, _ = run.communicate(timeout=900)
            outputs.append(output.decode())
            assert run.returncode == 0, output.decode()
        crasher.run()  # whatever arrived after the runs claimed their batches
    finally:
        stop.set()
        reader.join()
        api.send_signal(signal.SIGTERM)
        api.wait(timeout=60)
        for run in runs:
            if run.poll() is None:  # a failure above: not left to the next test
                run.kill()
    assert not [line for text in outputs for line in text.splitlines() if "locked" in line.lower()]
    assert findings.partial_reads == []
    assert findings.reader_errors == []
    assert findings.reads > 0

    result = outcome(crasher)
    assert result["left_started"] == []
    con = crasher.connect()
    try:
        loads = dict(
            con.execute(
                "SELECT file_name, list(status) FROM meta.loads WHERE source = 'box_office_daily' "
                "AND file_name LIKE 'late-%' GROUP BY ALL"
            ).fetchall()
        )
        days = con.execute(
            "SELECT date, count(*) FROM marts.box_office_daily WHERE film_id = 'level-zero-2026' "
            "AND date >= DATE '2026-08-01' GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    assert loads == {name: ["loaded"] for name in delivered}  # every delivery loaded, once
    assert [count for _day, count in days] == [1] * len(delivered)
