"""`backlot export`: every published mart as a file, from the latest publish or an earlier one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import cli
from pipelines.lib import publish


def _league(lake: Any, rows: list[tuple[str, float]]) -> None:
    lake.con.execute("CREATE OR REPLACE TABLE lake.audit.league (film_id VARCHAR, roi DOUBLE)")
    lake.con.executemany("INSERT INTO lake.audit.league VALUES (?, ?)", [list(r) for r in rows])


def _read(path: Path) -> list[tuple[Any, ...]]:
    return duckdb.sql(f"SELECT * FROM '{path}' ORDER BY ALL").fetchall()


def test_export_writes_each_published_mart_and_not_what_is_only_audited(lake: Any, tmp_path: Path) -> None:
    _league(lake, [("level-zero-2026", 2.5)])
    first = publish.publish(lake.con, ["league"], "run-1")
    _league(lake, [("level-zero-2026", 3.0), ("dune-x", 0.4)])
    publish.publish(lake.con, ["league"], "run-2")
    _league(lake, [("not-published", 9.9)])  # built and audited, not published

    assert cli.main(["export", str(tmp_path / "latest")]) == 0
    assert cli.main(["export", str(tmp_path / "csv"), "--format", "csv"]) == 0
    assert cli.main(["export", str(tmp_path / "first"), "--as-of", str(first.publish_id)]) == 0

    assert _read(tmp_path / "latest" / "league.parquet") == [("dune-x", 0.4), ("level-zero-2026", 3.0)]
    assert (tmp_path / "csv" / "league.csv").read_text().splitlines()[0] == "film_id,roi"
    assert _read(tmp_path / "first" / "league.parquet") == [("level-zero-2026", 2.5)]
    assert sorted(p.name for p in (tmp_path / "latest").iterdir()) == ["league.parquet"]  # no temp file left


@pytest.mark.parametrize("argv", [["--as-of", "7"], []], ids=["unknown-publish", "nothing-published"])
def test_export_without_such_a_publish_exits_1_with_a_reason(
    lake: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert cli.main(["export", str(tmp_path / "out"), *argv]) == 1
    assert "backlot export:" in capsys.readouterr().err


def test_export_reads_through_the_sandbox_and_writes_only_into_its_folder(lake: Any, tmp_path: Path) -> None:
    """The marts leave the read-only connection as Arrow batches; timestamps keep the lake's UTC."""
    lake.con.execute(
        "CREATE OR REPLACE TABLE lake.audit.league AS SELECT 'level-zero-2026' AS film_id, "
        "TIMESTAMPTZ '2026-07-10 16:30:00+00' AS reported_at, 1.5::DECIMAL(18, 2) AS roi"
    )
    publish.publish(lake.con, ["league"], "run-1")

    assert cli.main(["export", str(tmp_path / "csv"), "--format", "csv"]) == 0
    assert cli.main(["export", str(tmp_path / "parquet")]) == 0

    assert (tmp_path / "csv" / "league.csv").read_text().splitlines() == [
        "film_id,reported_at,roi",
        "level-zero-2026,2026-07-10 16:30:00+00,1.50",
    ]
    assert duckdb.sql(f"DESCRIBE FROM '{tmp_path / 'parquet' / 'league.parquet'}'").fetchall()[1][:2] == (
        "reported_at",
        "TIMESTAMP WITH TIME ZONE",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv", "home", "parquet"]
