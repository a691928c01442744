"""Render farm: telemetry from landing files to raw tables."""

from pipelines.defs.render.sources import GPU_METRICS, RENDER_EVENTS, RENDER_LOGS
from pipelines.lib.ingest import ingest_asset

render_events = ingest_asset(RENDER_EVENTS, group="render")
gpu_metrics = ingest_asset(GPU_METRICS, group="render")
render_logs = ingest_asset(RENDER_LOGS, group="render")
