"""Box-office schedules, in the charts' own time zone (America/Los_Angeles)."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.jobs import IN_PROCESS, backlot_pipeline

TIMEZONE = "America/Los_Angeles"

# Studios report the weekend's and the previous day's grosses in the morning: the day's
# charts are in by 10:00 Pacific. The refresh publishes whatever arrived, sensors or not.
daily_box_office_refresh = dg.ScheduleDefinition(
    name="daily_box_office_refresh",
    job=backlot_pipeline,
    cron_schedule="0 10 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    run_config=IN_PROCESS,
    tags={"backlot/pass": "daily-refresh"},
    description="Daily: load what arrived, rebuild what it changes, publish (charts are in by 10:00 Pacific).",
)

# Monday's actuals replace the weekend's Sunday estimates; a pass in the afternoon, when the
# actuals are in, recomputes the films they touch and republishes (an actual beats an estimate in dbt).
monday_revision_pass = dg.ScheduleDefinition(
    name="monday_revision_pass",
    job=backlot_pipeline,
    cron_schedule="0 15 * * 1",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    run_config=IN_PROCESS,
    tags={"backlot/pass": "estimate-to-actual"},
    description="Mondays: the weekend's actuals replace its estimates; the films they touch are republished.",
)
