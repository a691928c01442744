"""dbt wiring: the project's manifest, and the environment its profile reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipelines.lakehouse import extension_dir
from pipelines.settings import DBT_PROJECT_DIR, Settings

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def profile_env(settings: Settings) -> dict[str, str]:
    """What dbt_project/profiles.yml needs to attach the same lake as pipelines/lakehouse.py."""
    return {
        "BACKLOT_DUCKDB_EXTENSION_DIR": str(extension_dir()),
        "BACKLOT_DUCKLAKE_CATALOG": settings.catalog,
        "BACKLOT_DUCKLAKE_DATA_PATH": settings.data_path,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def _newest_source_mtime() -> float:
    newest = 0.0
    for folder in ("models", "macros", "seeds", "tests"):
        for path in (DBT_PROJECT_DIR / folder).rglob("*"):
            newest = max(newest, path.stat().st_mtime)
    for name in ("dbt_project.yml", "profiles.yml"):
        newest = max(newest, (DBT_PROJECT_DIR / name).stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than the project's files.

    Dagster needs the manifest to know the dbt assets; parsing costs seconds, so it happens
    once after install or a model change, never on the hot path of a run.
    """
    if MANIFEST.exists() and MANIFEST.stat().st_mtime >= _newest_source_mtime():
        return MANIFEST
    placeholder = {
        "BACKLOT_DUCKDB_EXTENSION_DIR": str(extension_dir()),
        "BACKLOT_DUCKLAKE_CATALOG": "sqlite:/parse-only.sqlite",  # parse never connects
        "BACKLOT_DUCKLAKE_DATA_PATH": "/parse-only/",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "parse", "--quiet", "--profiles-dir", str(DBT_PROJECT_DIR)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **placeholder, "DBT_LOG_PATH": str(DBT_PROJECT_DIR / "target")},
        check=True,
    )
    return MANIFEST
