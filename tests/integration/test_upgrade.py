"""A home written by the last tagged release keeps working after an upgrade.

tests/fixtures/homes/v0.1.0.tar.gz is the home Backlot 0.1.0 left after two passes (made by
tests/fixtures/homes/make_release_home.sh from the tag): its lake, its meta tables (before
meta.builds and meta.schema_version existed) and its Dagster instance. This release must read
its publishes as they were, migrate its meta tables, and take it on with the next pass,
wherever the home was restored to.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import dagster as dg
import pytest

from pipelines import cli, lakehouse
from pipelines.lib import query
from pipelines.lib.landing import deliver
from pipelines.run import run_once
from pipelines.settings import load_settings

RELEASE_HOME = Path(__file__).parents[1] / "fixtures" / "homes" / "v0.1.0.tar.gz"


@pytest.fixture
def release_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    with tarfile.open(RELEASE_HOME) as archive:
        archive.extractall(tmp_path, filter="data")
    home = tmp_path / "home"  # another path than the one the release wrote it at
    monkeypatch.setenv("BACKLOT_HOME", str(home))
    for name in ("BACKLOT_CATALOG", "BACKLOT_DATA_PATH"):
        monkeypatch.delenv(name, raising=False)
    return home


def test_a_release_home_reads_migrates_and_takes_the_next_pass(
    release_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Readers first: what the release published reads as it was, before any writer migrates.
    _columns, before = query.run_sql("SELECT film_id, worldwide_gross_usd FROM film_capital_efficiency ORDER BY 1")
    assert [film for film, _gross in before] == ["level-zero-2026", "starfall-legacy-2026"]
    _columns, first = query.run_sql("SELECT count(*) FROM box_office_daily", as_of=1)
    _columns, second = query.run_sql("SELECT count(*) FROM box_office_daily", as_of=2)
    assert first[0][0] < second[0][0]  # the release's second pass added a late report

    assert cli.main(["status"]) == 0
    assert "last publish: 2 at" in capsys.readouterr().out

    # The first writer migrates the meta tables, in one commit.
    con = lakehouse.connect(load_settings())
    try:
        assert lakehouse.schema_version(con) == lakehouse.SCHEMA_VERSION
        assert con.execute("SELECT count(*) FROM meta.builds").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM meta.loads WHERE status = 'loaded'").fetchone() == (5,)
    finally:
        con.close()

    # The next pass: the release recorded no build, so this one rebuilds everything once.
    deliver(
        load_settings().landing("box_office_daily"),
        "after-upgrade.csv",
        b"date,title,gross_usd,theaters,is_estimate,reported_at\n"
        b'2026-07-13,Level Zero,"$1,000,000","2,000",false,2026-07-14T16:30:00Z\n',
    )
    outcome = run_once()
    assert outcome.published, outcome.render()
    _columns, after = query.run_sql("SELECT count(*) FROM box_office_daily WHERE film_id = 'level-zero-2026'")
    _columns, released = query.run_sql(
        "SELECT count(*) FROM box_office_daily WHERE film_id = 'level-zero-2026'", as_of=2
    )
    assert after[0][0] == released[0][0] + 1
    _columns, publishes = query.run_sql("SELECT max(publish_id) FROM meta.publishes")
    assert publishes == [(3,)]

    # The release's Dagster instance opens, its runs kept beside the new one.
    with dg.DagsterInstance.from_config(str(release_home / "dagster")) as instance:
        runs = instance.get_run_records()
    assert len(runs) == 3
    assert {record.dagster_run.status for record in runs} == {dg.DagsterRunStatus.SUCCESS}
