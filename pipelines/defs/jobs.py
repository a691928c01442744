"""The pipeline job every sensor, schedule and `backlot run` launches."""

from __future__ import annotations

import dagster as dg

PIPELINE_JOB = "backlot_pipeline"
# Every Backlot run writes the lake; the instance (dagster.yaml) lets one such run go at a time.
# A run retried after its worker died (dagster.yaml, run_retries) is a whole pass again: it
# loads what waits then, not only the steps the dead one had not finished.
LAKE_WRITER_TAGS = {"backlot/lake": "write", "dagster/retry_strategy": "ALL_STEPS"}

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
