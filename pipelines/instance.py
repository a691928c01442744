"""The home's Dagster instance: BACKLOT_HOME/dagster, configured by the repository's dagster.yaml."""

from __future__ import annotations

from pathlib import Path

from pipelines.settings import REPO_ROOT, Settings

TEMPLATE = REPO_ROOT / "dagster.yaml"


def prepare(settings: Settings) -> Path:
    """Create the instance's home and write its dagster.yaml from the template; return the home."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    template = TEMPLATE.read_text()
    if not config.is_file() or config.read_text() != template:
        config.write_text(template)
    return home


if __name__ == "__main__":  # `make dev`: print DAGSTER_HOME for the UI
    from pipelines.settings import load_settings

    print(prepare(load_settings()))
