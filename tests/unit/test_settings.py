"""Where the lake is: from the environment (load_settings), or from given values alone (lake_settings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.settings import lake_settings, load_settings


def test_the_environment_names_the_catalog_and_data_path_in_their_accepted_forms(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (load_settings().catalog, load_settings().data_path) == (
        f"sqlite:{home / 'lake' / 'catalog.sqlite'}",
        f"{home / 'lake' / 'data'}/",
    )
    monkeypatch.setenv("BACKLOT_CATALOG", "ducklake:other/catalog.sqlite")
    monkeypatch.setenv("BACKLOT_DATA_PATH", str(home / "parquet"))
    assert (load_settings().catalog, load_settings().data_path) == (
        f"sqlite:{home / 'other' / 'catalog.sqlite'}",
        f"{home / 'parquet'}/",
    )
    monkeypatch.setenv("BACKLOT_CATALOG", "postgresql://postgres@127.0.0.1/backlot")
    assert load_settings().catalog == "postgres:postgresql://postgres@127.0.0.1/backlot"


def test_lake_settings_take_no_notice_of_the_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOT_CATALOG", "postgres:dbname=elsewhere")
    monkeypatch.setenv("BACKLOT_DATA_PATH", "/elsewhere")
    elsewhere = home.parent / "other-home"

    settings = lake_settings(elsewhere)

    assert (settings.home, settings.catalog, settings.data_path) == (
        elsewhere,
        f"sqlite:{elsewhere / 'lake' / 'catalog.sqlite'}",
        f"{elsewhere / 'lake' / 'data'}/",
    )
    assert lake_settings(elsewhere, catalog="postgres:dbname=x", data_path="s3://bucket/lake").data_path == (
        "s3://bucket/lake/"
    )
