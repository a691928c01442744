"""The dashboard's pages, in the order of its navigation."""

from __future__ import annotations

from pipelines.dashboard.pages import league, models, render, social

PAGES = (league, models, render, social)
