"""The home's Dagster instance: BACKLOT_HOME/dagster, configured by the repository's dagster.yaml."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.settings import REPO_ROOT, Settings

TEMPLATE = REPO_ROOT / "dagster.yaml"

# With BACKLOT_DAGSTER_POSTGRES_URL set, runs, events and schedules live on that server; the
# URL stays in the environment, never in the file.
POSTGRES_STORAGE = """
storage:
  postgres:
    postgres_url:
      env: BACKLOT_DAGSTER_POSTGRES_URL
"""


def config(settings: Settings) -> str:
    """The instance's dagster.yaml for these settings: the template, plus PostgreSQL storage if named."""
    text = TEMPLATE.read_text()
    return text + POSTGRES_STORAGE if settings.dagster_postgres_url else text


def prepare(settings: Settings) -> Path:
    """Create the instance's home and write its dagster.yaml; return the home (DAGSTER_HOME).

    A plain `postgresql://` URL is given the psycopg2 driver that dagster-postgres speaks
    (SQLAlchemy's default driver for it is psycopg 3, whose NOTIFY it cannot send), in this
    process's environment, which the services and runs started from here inherit.
    """
    url = settings.dagster_postgres_url
    if url and url.startswith(("postgresql://", "postgres://")):
        os.environ["BACKLOT_DAGSTER_POSTGRES_URL"] = "postgresql+psycopg2://" + url.split("://", 1)[1]
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    wanted = config(settings)
    if not path.is_file() or path.read_text() != wanted:
        path.write_text(wanted)
    return home


if __name__ == "__main__":  # `make dev`: print DAGSTER_HOME for the UI
    from pipelines.settings import load_settings

    print(prepare(load_settings()))
