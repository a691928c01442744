"""Fixtures for the unit suite: every test runs in its own temporary BACKLOT_HOME.

The lake is real (DuckDB + DuckLake on a SQLite catalog inside the temporary home); the
helpers here only deliver files and load them the way the pipeline does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import lakehouse
from pipelines.defs.box_office.sources import FILMS
from pipelines.lib import landing, loading
from pipelines.settings import Settings, load_settings

# The film catalog most box-office tests match their rows against, as raw.films holds it
# after loading (loading films itself is tested in lib/test_loading.py).
CATALOG = [
    ("level-zero-2026", "Level Zero", "2026-07-10", 1_200_000, "indie_digital"),
    ("dune-x", "Dune X", "2026-05-01", 190_000_000, "legacy_studio"),
]


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh BACKLOT_HOME for every test; nothing outside it is read or written."""
    home = tmp_path / "home"
    monkeypatch.setenv("BACKLOT_HOME", str(home))
    monkeypatch.delenv("BACKLOT_CATALOG", raising=False)
    monkeypatch.delenv("BACKLOT_DATA_PATH", raising=False)
    monkeypatch.chdir(tmp_path)  # settings also read a `.env` in the working directory: there is none here
    return home


@pytest.fixture
def settings(home: Path) -> Settings:
    return load_settings()


class Lake:
    """A DuckLake connection on the temporary home, plus delivering and loading files."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        self.con = con
        self.settings = settings

    def deliver(self, source: str, name: str, content: bytes | str) -> Path:
        data = content.encode() if isinstance(content, str) else content
        return landing.deliver(self.settings.landing(source), name, data)

    def load(self, spec: loading.SourceSpec, *files: tuple[str, bytes | str]) -> loading.LoadReport:
        """Deliver `files` (name, content) into landing/<source>/ and load everything waiting, as one batch."""
        for name, content in files:
            self.deliver(spec.name, name, content)
        return loading.load_pending(self.con, spec, self.settings.landing(spec.name))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        relation = self.con.execute(sql, list(params))
        columns = [d[0] for d in relation.description or []]
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.con.execute(sql, list(params)).fetchone()
        assert row is not None
        return row[0]


@pytest.fixture
def lake(settings: Settings) -> Iterator[Lake]:
    con = lakehouse.connect(settings)
    try:
        yield Lake(con, settings)
    finally:
        con.close()


@pytest.fixture
def catalog(lake: Lake) -> Lake:
    """The lake with two films in raw.films (level-zero-2026, dune-x), so box-office rows can match them."""
    lake.con.execute(FILMS.raw_ddl())
    values = ", ".join(
        f"(?, ?, ?, ?, ?, 'catalog', 'catalog.csv', {line}, now())" for line in range(2, len(CATALOG) + 2)
    )
    lake.con.execute(
        "INSERT INTO raw.films (film_id, title, release_date, production_budget_usd, production_model, "
        f"_file_sha256, _file_name, _row_number, _loaded_at) VALUES {values}",
        [value for film in CATALOG for value in film],
    )
    return lake
