"""The one Definitions: every source's raw asset and sensor, every domain under pipelines/defs/, the job."""

from __future__ import annotations

import dagster as dg

from pipelines import defs as domains
from pipelines.defs.box_office.schedules import daily_box_office_refresh, monday_revision_pass
from pipelines.defs.jobs import backlot_pipeline
from pipelines.defs.landing_sensors import landing_sensor
from pipelines.defs.maintenance.jobs import backlot_maintenance
from pipelines.defs.maintenance.schedules import nightly_maintenance
from pipelines.defs.progress import progress_logger
from pipelines.defs.raw_assets import raw_asset
from pipelines.defs.resources import LakehouseResource
from pipelines.defs.run_failures import record_failed_runs
from pipelines.sources import DOMAINS, SOURCES

raw_assets = [raw_asset(spec, group=DOMAINS[name]) for name, spec in SOURCES.items()]
landing_sensors = [landing_sensor(spec, backlot_pipeline) for spec in SOURCES.values()]

defs = dg.Definitions(
    assets=[*raw_assets, *dg.load_assets_from_package_module(domains)],
    asset_checks=dg.load_asset_checks_from_package_module(domains),
    jobs=[backlot_pipeline, backlot_maintenance],
    sensors=[*landing_sensors, record_failed_runs],
    schedules=[daily_box_office_refresh, monday_revision_pass, nightly_maintenance],
    resources={
        "lakehouse": LakehouseResource(),
    },
    loggers={"console": dg.colored_console_logger, "progress": progress_logger},
)
