"""docs/bi.md's tested code blocks run against a real lake, so the page cannot drift from the code."""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pytest

from pipelines import lakehouse
from pipelines.lib import publish
from pipelines.settings import REPO_ROOT

DOC = REPO_ROOT / "docs" / "bi.md"
# The page's example paths and the snapshot id its --as-of example reads; each test's own replace them.
EXAMPLE_HOME = "/srv/backlot/.backlot"
EXAMPLE_EXTENSIONS = "/srv/backlot/.venv/share/duckdb-extensions"
EXAMPLE_SNAPSHOT = "SNAPSHOT_VERSION 57"


def marked_blocks() -> list[tuple[str, str]]:
    """(language, code) of every block fenced as ```python tested or ```sql tested."""
    return re.findall(r"^```(python|sql) tested\n(.*?)^```$", DOC.read_text(), flags=re.MULTILINE | re.DOTALL)


@pytest.fixture
def example_lake(lake: Any) -> dict[str, str]:
    """The marts the examples read, published once; the values that stand in for the page's examples."""
    lake.con.execute(
        "CREATE TABLE lake.audit.film_capital_efficiency AS SELECT * FROM (VALUES "
        "('level-zero-2026', 'Level Zero', 'indie_digital', 4.2), "
        "('starfall-legacy-2026', 'Starfall Legacy', 'legacy_studio', 0.9)) "
        "t(film_id, title, production_model, roi_multiple)"
    )
    lake.con.execute(
        "CREATE TABLE lake.audit.box_office_daily AS "
        "SELECT 'level-zero-2026' AS film_id, DATE '2026-07-10' AS date, 8000000.0 AS gross_usd"
    )
    done = publish.publish(lake.con, ["film_capital_efficiency", "box_office_daily"], "run-1")
    return {
        EXAMPLE_HOME: str(lake.settings.home),
        EXAMPLE_EXTENSIONS: str(lakehouse.extension_dir()),
        EXAMPLE_SNAPSHOT: f"SNAPSHOT_VERSION {done.snapshot_id}",
    }


def test_the_page_has_tested_blocks_of_each_kind() -> None:
    assert sorted({language for language, _ in marked_blocks()}) == ["python", "sql"]
    assert len(marked_blocks()) >= 6


@pytest.mark.parametrize("index", range(len(marked_blocks())))
def test_each_tested_block_runs(example_lake: dict[str, str], index: int, capsys: pytest.CaptureFixture[str]) -> None:
    language, code = marked_blocks()[index]
    for example, real in example_lake.items():
        code = code.replace(example, real)

    if language == "python":
        exec(compile(code, f"{DOC}: tested block {index}", "exec"), {})
    else:
        # As the duckdb shell runs a script: one statement after another, in a new DuckDB.
        con = duckdb.connect()
        try:
            assert con.execute(code).fetchall(), "the block's last statement answered nothing"
        finally:
            con.close()
    assert "refused: this connection is read-only" in capsys.readouterr().out or "DROP VIEW" not in code
