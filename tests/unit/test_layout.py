"""The layout's promises: the engine runs without Dagster, and every source becomes a Dagster asset."""

from __future__ import annotations

import subprocess
import sys

ENGINE = [
    "pipelines.settings",
    "pipelines.lakehouse",
    "pipelines.lib.landing",
    "pipelines.lib.loading",
    "pipelines.lib.quality",
    "pipelines.lib.publish",
    "pipelines.lib.query",
    "pipelines.lib.dbt",
    "pipelines.sources",  # every spec, for `backlot ingest`
    "pipelines.sample_data.box_office",
    "pipelines.sample_data.render",
    "pipelines.sample_data.social",
]


def test_the_engine_imports_nothing_from_dagster() -> None:
    code = f"import sys; import {', '.join(ENGINE)}; print(sorted({{m.split('.')[0] for m in sys.modules}}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert "pipelines" in loaded
    assert "dagster" not in loaded
    assert "dagster_dbt" not in loaded


def test_every_source_spec_becomes_a_raw_asset_with_its_blocking_check() -> None:
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.jobs import PIPELINE_JOB
    from pipelines.sources import DOMAINS, SOURCES

    for name in SOURCES:
        asset = defs.resolve_assets_def(dg.AssetKey(["raw", name]))
        assert asset.group_names_by_key[asset.key] == DOMAINS[name]
        assert asset.op.pool == "lake_writers"
        [check] = asset.check_specs
        assert (check.name, check.blocking) == ("quality_suite", True)
    assert set(DOMAINS.values()) == {"box_office", "render", "social"}
    assert defs.resolve_job_def(PIPELINE_JOB) is not None


def test_each_sources_usual_interval_is_the_same_for_dagster_and_dbt() -> None:
    from datetime import timedelta

    import yaml

    from pipelines.settings import DBT_PROJECT_DIR
    from pipelines.sources import SOURCES

    [raw] = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml").read_text())["sources"]
    dbt = {}
    for table in raw["tables"]:
        warn = (table.get("config", {}).get("freshness") or {}).get("warn_after")
        dbt[table["name"]] = timedelta(**{warn["period"] + "s": warn["count"]}) if warn else None

    assert dbt == {name: spec.expected_every for name, spec in SOURCES.items()}
