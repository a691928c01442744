"""The one place that decides the environment: where the home, the lake and Dagster live."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

# Nothing here may phone home: there is no internet on the machines that run Backlot,
# and every telemetry attempt only adds latency to a run.
TELEMETRY_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
}
for _name, _value in TELEMETRY_OFF.items():
    os.environ.setdefault(_name, _value)

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
QUALITY_DIR = REPO_ROOT / "quality"

IGNORED_PREFIXES = (".",)
IGNORED_SUFFIXES = (".tmp", ".part")


def _read_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from a .env file without overriding the real environment."""
    if not path.is_file():
        return
    for raw_line in path.read_text().splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("'\""))


@dataclass(frozen=True)
class Settings:
    home: Path
    catalog: str  # DuckLake metadata: "sqlite:/abs/path" or "postgres:<libpq conninfo>"
    data_path: str
    # The long-running services (`backlot serve`, `backlot api`): loopback unless told otherwise.
    dagster_host: str = "127.0.0.1"
    dagster_port: int = 3000
    api_host: str = "127.0.0.1"
    api_port: int = 8484
    ingest_token: str | None = None  # the ingest API's bearer token
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = 8050
    dashboard_token: str | None = None  # required when the dashboard listens beyond loopback
    ingest_max_bytes: int = 64 << 20
    # Dagster's instance storage: SQLite in the home, or a PostgreSQL server (a postgresql:// URL).
    dagster_postgres_url: str | None = None
    # Lake upkeep: snapshots (and so `--as-of` publishes) older than this may be expired; the
    # latest publish always stays readable. Dagster runs older than run_retention_days are deleted.
    snapshot_retention_days: int = 30
    run_retention_days: int = 90

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def data_in_home(self) -> bool:
        """The lake's files are where they are by default, in the home: they move with it."""
        return self.data_path == f"{self.lake_dir / 'data'}/"

    @property
    def catalog_is_postgres(self) -> bool:
        return self.catalog.startswith("postgres:")

    def landing(self, source: str) -> Path:
        return self.landing_dir / source


def http_url(host: str, port: int) -> str:
    """Where a service on `host`:`port` answers (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _normalise_catalog(raw: str, home: Path) -> str:
    raw = raw.removeprefix("ducklake:")
    if raw.startswith(("postgres:", "sqlite:")):
        return raw
    if raw.startswith(("postgresql://", "postgres://")):
        return f"postgres:{raw}"
    return f"sqlite:{(home / raw).resolve() if not Path(raw).is_absolute() else raw}"


def load_settings() -> Settings:
    """Settings from the environment (and a `.env` in the working directory)."""
    _read_dotenv(Path.cwd() / ".env")
    home = Path(os.environ.get("BACKLOT_HOME", "./.backlot"))
    env = os.environ.get
    return dataclasses.replace(
        lake_settings(home, catalog=env("BACKLOT_CATALOG"), data_path=env("BACKLOT_DATA_PATH")),
        dagster_host=env("BACKLOT_DAGSTER_HOST", "127.0.0.1"),
        dagster_port=int(env("BACKLOT_DAGSTER_PORT", "3000")),
        api_host=env("BACKLOT_API_HOST", "127.0.0.1"),
        api_port=int(env("BACKLOT_API_PORT", "8484")),
        ingest_token=env("BACKLOT_INGEST_TOKEN") or None,
        dashboard_host=env("BACKLOT_DASHBOARD_HOST", "127.0.0.1"),
        dashboard_port=int(env("BACKLOT_DASHBOARD_PORT", "8050")),
        dashboard_token=env("BACKLOT_DASHBOARD_TOKEN") or None,
        ingest_max_bytes=int(env("BACKLOT_INGEST_MAX_BYTES", str(64 << 20))),
        dagster_postgres_url=env("BACKLOT_DAGSTER_POSTGRES_URL") or None,
        snapshot_retention_days=int(env("BACKLOT_SNAPSHOT_RETENTION_DAYS", "30")),
        run_retention_days=int(env("BACKLOT_RUN_RETENTION_DAYS", "90")),
    )


def lake_settings(home: Path, *, catalog: str | None = None, data_path: str | None = None) -> Settings:
    """Where the lake of `home` is, from these values alone, never the environment (a BI tool's URL names them).

    `catalog` and `data_path` take the forms BACKLOT_CATALOG and BACKLOT_DATA_PATH take,
    with the same defaults inside the home.
    """
    home = home.expanduser().resolve()
    catalog = catalog or f"sqlite:{home / 'lake' / 'catalog.sqlite'}"
    data_path = data_path or str(home / "lake" / "data")
    if "://" not in data_path:
        data_path = str(Path(data_path).expanduser().resolve())
    return Settings(home=home, catalog=_normalise_catalog(catalog, home), data_path=data_path.rstrip("/") + "/")
