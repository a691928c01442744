"""Integration fixtures: a temporary BACKLOT_HOME and helpers to land files in it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipelines.lib.landing import deliver
from pipelines.settings import load_settings

FILMS_CSV = """film_id,title,release_date,production_budget_usd,production_model,distributor,worldwide_gross_usd
level-zero-2026,Level Zero,2026-07-10,"$4,500,000",indie_digital,Indie Collective,-
starfall-legacy-2026,Starfall Legacy,2026-07-10,"$210,000,000",legacy_studio,Major Pictures,"$50,000,000"
"""

# Level Zero opens Friday 2026-07-10: the opening weekend is 10-12 July. The Sunday
# estimate is superseded by Monday's actual; Starfall Legacy lacks its Sunday.
DAILY_CSV = """date,title,gross_usd,theaters,is_estimate,reported_at
2026-07-10,Level Zero,"$8,000,000","2,000",false,2026-07-11T16:30:00Z
2026-07-11,LEVEL ZERO!,"$7,000,000","2,000",false,2026-07-12T16:30:00Z
2026-07-12,Level Zero,"$5,900,000",-,true,2026-07-12T18:00:00Z
2026-07-12,level zero,"$6,000,000","2,000",false,2026-07-13T16:30:00Z
2026-07-13,Level Zero,"$1,000,000",n/c,false,2026-07-14T16:30:00Z
2026-07-10,Starfall Legacy,"$6,000,000","4,000",false,2026-07-11T16:30:00Z
2026-07-11,Starfall Legacy,"$5,000,000","4,000",false,2026-07-12T16:30:00Z
2026-07-11,Nonexistent Film,"$1,000",10,false,2026-07-12T16:30:00Z
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("BACKLOT_HOME", str(home))
    for name in ("BACKLOT_CATALOG", "BACKLOT_DATA_PATH"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def land(home: Path) -> Callable[[str, str, str], Path]:
    def _land(source: str, name: str, text: str) -> Path:
        return deliver(load_settings().landing(source), name, text.encode())

    return _land


POSTGRES = "host=127.0.0.1 port=5432 user=postgres"


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A throwaway database on the PostgreSQL server these machines run (skipped, with the reason, without one)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL server answers on 127.0.0.1:5432 ({error})")
    database = f"backlot_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE DATABASE {database}")
    try:
        yield database
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.close()


@pytest.fixture
def postgres_catalog(home: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The home's DuckLake catalog in a throwaway PostgreSQL database."""
    catalog = f"postgres:{POSTGRES} dbname={postgres_database}"
    monkeypatch.setenv("BACKLOT_CATALOG", catalog)
    return catalog
