"""Dagster resources shared by every domain: the lake, and the pool its writers share."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines import lakehouse
from pipelines.settings import Settings, load_settings

# Writers to the lake (loading, dbt, publish) run one at a time: the SQLite catalog takes one
# writing process at a time, and the instance (dagster.yaml) limits every pool to one.
LAKE_WRITERS_POOL = "lake_writers"


class LakehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The DuckLake lakehouse, as configured by BACKLOT_HOME / BACKLOT_CATALOG / BACKLOT_DATA_PATH."""

    def settings(self) -> Settings:
        return load_settings()

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return lakehouse.connect(self.settings(), read_only=read_only)
