"""dbt's unit tests (revision rules, title matching, opening weekend) against a real lake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines import lakehouse
from pipelines.lib.dbt import profile_env
from pipelines.settings import DBT_PROJECT_DIR, load_settings
from pipelines.sources import SOURCES


def test_dbt_unit_tests_pass(home: Path) -> None:
    settings = load_settings()
    con = lakehouse.connect(settings)
    for spec in SOURCES.values():  # unit tests read the source tables' column types
        con.execute(spec.raw_ddl())
    con.close()
    target = home / "dbt" / "target"
    result = subprocess.run(
        # Unit tests need their parents' columns, so build everything on the empty lake.
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(target),
        ],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **profile_env(settings)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    unit_tests_passed = [line for line in result.stdout.splitlines() if " PASS " in line and "::" in line]
    assert len(unit_tests_passed) >= 5, result.stdout[-3000:]
