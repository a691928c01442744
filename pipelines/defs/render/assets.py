"""Render farm: telemetry from landing files to raw tables."""

from pipelines.defs.render.sources import RENDER_EVENTS
from pipelines.lib.ingest import ingest_asset

render_events = ingest_asset(RENDER_EVENTS, group="render")
