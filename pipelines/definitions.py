"""The one Definitions: every domain under pipelines/defs/, the resources, the main job."""

from __future__ import annotations

import dagster as dg

from pipelines import defs as domains
from pipelines.lib.dbt import dbt_resource
from pipelines.lib.resources import LakehouseResource

PIPELINE_JOB = "backlot_pipeline"

assets = dg.load_assets_from_package_module(domains)
asset_checks = dg.load_asset_checks_from_package_module(domains)

backlot_pipeline = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Load every pending landing file, validate, build dbt models, audit, publish.",
)

defs = dg.Definitions(
    assets=assets,
    asset_checks=asset_checks,
    jobs=[backlot_pipeline],
    resources={
        "lakehouse": LakehouseResource(),
        "dbt": dbt_resource(),
    },
)
