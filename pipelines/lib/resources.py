"""Dagster resources shared by every domain."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines import lakehouse
from pipelines.settings import Settings, load_settings

# Writers to the lake (ingestion, dbt, publish) run one at a time: DuckLake would detect
# conflicting commits, but queueing them is cheaper than retrying them.
LAKE_WRITERS_POOL = "lake_writers"


class LakehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The DuckLake lakehouse, as configured by BACKLOT_HOME / BACKLOT_CATALOG / BACKLOT_DATA_PATH."""

    def settings(self) -> Settings:
        return load_settings()

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return lakehouse.connect(self.settings(), read_only=read_only)
