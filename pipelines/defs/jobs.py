"""The pipeline job every sensor, schedule and `backlot run` launches."""

from __future__ import annotations

import dagster as dg

PIPELINE_JOB = "backlot_pipeline"
# Every Backlot run writes the lake; the instance (dagster.yaml) lets one such run go at a time.
LAKE_WRITER_TAGS = {"backlot/lake": "write"}

backlot_pipeline = dg.define_asset_job(
    PIPELINE_JOB,
    selection=dg.AssetSelection.all(),
    description="Load every waiting landing file, validate, build dbt models, audit, publish.",
    tags=LAKE_WRITER_TAGS,
)

# Sensor and schedule runs execute their steps in the run's own process: the steps take turns
# on the lake anyway, and a process per step would pay Python's and Dagster's start-up for
# each (a run launched from the UI may still choose the multiprocess executor).
IN_PROCESS: dict[str, object] = {"execution": {"config": {"in_process": {}}}}
