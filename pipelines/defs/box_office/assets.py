"""Box office: the film catalog and the daily charts, from landing files to raw tables."""

from pipelines.defs.box_office.sources import BOX_OFFICE_DAILY, FILMS
from pipelines.lib.ingest import ingest_asset

films = ingest_asset(FILMS, group="box_office")
box_office_daily = ingest_asset(BOX_OFFICE_DAILY, group="box_office")
