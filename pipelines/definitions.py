"""The one Definitions: a raw asset per landing source, every domain under pipelines/defs/, the main job."""

from __future__ import annotations

import dagster as dg

from pipelines import defs as domains
from pipelines.defs.maintenance.jobs import backlot_maintenance  # lake upkeep: job and nightly schedule
from pipelines.defs.maintenance.schedules import nightly_maintenance
from pipelines.defs.raw_assets import raw_asset
from pipelines.defs.resources import LakehouseResource, dbt_resource
from pipelines.sources import DOMAINS, SOURCES

PIPELINE_JOB = "backlot_pipeline"

raw_assets = [raw_asset(spec, group=DOMAINS[name]) for name, spec in SOURCES.items()]
assets = [*raw_assets, *dg.load_assets_from_package_module(domains)]
asset_checks = dg.load_asset_checks_from_package_module(domains)

backlot_pipeline = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Load every waiting landing file, validate, build dbt models, audit, publish.",
)

defs = dg.Definitions(
    assets=assets,
    asset_checks=asset_checks,
    jobs=[backlot_pipeline, backlot_maintenance],
    schedules=[nightly_maintenance],
    resources={
        "lakehouse": LakehouseResource(),
        "dbt": dbt_resource(),
    },
)
