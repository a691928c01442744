"""Audience data: YouTube and Reddit responses and their links to films, from landing files to raw tables."""

from pipelines.defs.social.sources import REDDIT, SOCIAL_LINKS, YOUTUBE
from pipelines.lib.ingest import ingest_asset

youtube = ingest_asset(YOUTUBE, group="social")
reddit = ingest_asset(REDDIT, group="social")
social_links = ingest_asset(SOCIAL_LINKS, group="social")
