"""Dagster resources shared by every domain: the lake, dbt, and the pool its writers share."""

from __future__ import annotations

import sys
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version

from pipelines import lakehouse
from pipelines.settings import DBT_PROJECT_DIR, Settings, load_settings

# Writers to the lake (loading, dbt, publish) run one at a time: the SQLite catalog takes one
# writing process at a time, and the instance (dagster.yaml) limits every pool to one.
LAKE_WRITERS_POOL = "lake_writers"


class LakehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The DuckLake lakehouse, as configured by BACKLOT_HOME / BACKLOT_CATALOG / BACKLOT_DATA_PATH."""

    def settings(self) -> Settings:
        return load_settings()

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return lakehouse.connect(self.settings(), read_only=read_only)


class LakeDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, minus a `dbt --version` subprocess on every invocation.

    The dbt in this virtualenv is dbt-core, whose version its package metadata states.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))


def dbt_resource() -> LakeDbtCliResource:
    return LakeDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        # The venv's dbt, whether or not the venv is activated.
        dbt_executable=str(Path(sys.executable).with_name("dbt")),
    )
