"""One real lake for the whole fuzz session (DuckDB + DuckLake in a temporary home).

A Hypothesis test runs many examples on it, so it cannot be a function-scoped fixture:
`FuzzLake.reset` gives each example a clean source instead (its raw, quarantine and
meta.loads rows gone, the film catalog kept), which costs milliseconds where a new lake
costs most of a second.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from pipelines import lakehouse
from pipelines.defs.box_office.sources import FILMS
from pipelines.lib import landing, loading
from pipelines.settings import Settings, lake_settings

# Examples per source and Hypothesis test: a batch costs 0.3-1 s (a GX validation each), so
# the default keeps tests/fuzz near a minute on 2 cores. BACKLOT_FUZZ_EXAMPLES=200 digs deeper.
EXAMPLES = int(os.environ.get("BACKLOT_FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a batch's time depends on the machine, never a property of the loader
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

# The film catalog the box-office and social rows are matched against (loaded by the fixture,
# never by an example): (film_id, title, release_date).
CATALOG = [
    ("level-zero-2026", "Level Zero", "2026-07-10"),
    ("dune-x", "Dune X", "2026-05-01"),
    ("starfall-legacy-2026", "Starfall Legacy", "2026-06-19"),
]
CATALOG_SHA = "fuzz-catalog"


class FuzzLake:
    """A lake on its own home: deliver files, load them as one batch, read what became of them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.con = lakehouse.connect(settings)
        self.con.execute(FILMS.raw_ddl())
        values = ", ".join(f"(?, ?, ?, 0, '{CATALOG_SHA}', 'catalog.csv', {n}, now())" for n in range(len(CATALOG)))
        self.con.execute(
            "INSERT INTO raw.films (film_id, title, release_date, production_budget_usd, _file_sha256, _file_name, "
            f"_row_number, _loaded_at) VALUES {values}",
            [value for film in CATALOG for value in film],
        )

    def reset(self, spec: loading.SourceSpec) -> None:
        """Forget everything `spec`'s source loaded, so an example starts from nothing (the catalog stays)."""
        self.con.execute(spec.raw_ddl())
        self.con.execute(spec.quarantine_ddl())
        self.con.execute(f"DELETE FROM raw.{spec.name} WHERE _file_sha256 IS DISTINCT FROM ?", [CATALOG_SHA])
        self.con.execute(f"DELETE FROM quarantine.{spec.name}")
        self.con.execute("DELETE FROM meta.loads WHERE source = ?", [spec.name])

    def load(self, spec: loading.SourceSpec, files: Sequence[tuple[str, bytes]]) -> loading.LoadReport:
        """Deliver `files` (name, content) and load everything waiting in the source's folder as one batch."""
        for name, content in files:
            landing.deliver(self.settings.landing(spec.name), name, content)
        return loading.load_pending(self.con, spec, self.settings.landing(spec.name))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        relation = self.con.execute(sql, list(params))
        columns = [d[0] for d in relation.description or []]
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


@pytest.fixture(scope="session")
def fuzz_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzLake]:
    lake = FuzzLake(lake_settings(tmp_path_factory.mktemp("fuzz") / "home"))
    try:
        yield lake
    finally:
        lake.con.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """What the fuzz checks saw: files and records per source, rows loaded, quarantined, lost."""
    from tests.fuzz.oracle import TALLY

    if not TALLY:
        return
    terminalreporter.section("fuzz: files and rows checked")
    terminalreporter.write_line(
        f"{'input':<12} {'source':<17} {'files':>6} {'rejected':>8} {'records*':>8} {'loaded':>7} "
        f"{'quarantined':>11} {'lost':>5}"
    )
    for (kind, source), t in sorted(TALLY.items()):
        terminalreporter.write_line(
            f"{kind:<12} {source:<17} {t.files:>6} {t.rejected:>8} {t.records:>8} {t.rows_loaded:>7} "
            f"{t.rows_quarantined:>11} {t.rows_lost:>5}"
        )
    terminalreporter.write_line("* records counted by the generator or the corpus, where it knows them")
