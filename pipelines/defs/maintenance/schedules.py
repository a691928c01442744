"""When lake upkeep runs: nightly, when no producer is delivering and no analyst is reading."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.maintenance.jobs import backlot_maintenance

nightly_maintenance = dg.ScheduleDefinition(
    name="backlot_maintenance_nightly",
    job=backlot_maintenance,
    cron_schedule="30 2 * * *",
    execution_timezone="America/Los_Angeles",
    # On as soon as the daemon runs (`make dev`): upkeep nobody remembers to switch on never happens.
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Lake maintenance and old-run clean-up, every night at 02:30 Los Angeles time.",
)
