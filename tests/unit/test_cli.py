"""The `backlot` command in-process: exit codes and output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines import cli
from pipelines.defs.box_office.sources import FILMS
from tests.net import free_port, wait_for


@pytest.fixture
def marts(lake: Any) -> Any:
    """A lake with one published-looking mart, `marts.demo`."""
    lake.con.execute("CREATE VIEW lake.marts.demo AS SELECT * FROM (VALUES (1, NULL, 'x,y'), (2, 'b', 'z')) t(a, b, c)")
    return lake


# --- usage -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [[], ["--bogus"], ["fly"], ["sql"], ["sql", "select 1", "--format", "xml"], ["sql", "select 1", "--as-of", "x"]],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert "usage: backlot" in captured.out + captured.err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "ingest" in capsys.readouterr().out


# --- ingest ----------------------------------------------------------------------------------------


def test_ingest_copies_the_file_into_the_source_landing_folder(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "catalog.csv"
    file.write_bytes(b"title,release_date,production_budget_usd\nLevel Zero,2026-07-10,100\n")

    assert cli.main(["ingest", "films", str(file)]) == 0

    landed = home / "landing" / "films" / "catalog.csv"
    assert landed.read_bytes() == file.read_bytes()
    assert [p.name for p in landed.parent.iterdir()] == ["catalog.csv"]  # no temp file left
    assert str(landed) in capsys.readouterr().out
    assert file.exists()  # copied, not moved


def test_ingest_of_a_name_already_waiting_keeps_both_contents(lake: Any, tmp_path: Path) -> None:
    file = tmp_path / "catalog.csv"
    file.write_bytes(b"film_id,title,release_date,production_budget_usd\na-2026,A,2026-01-01,100\n")
    assert cli.main(["ingest", "films", str(file)]) == 0
    file.write_bytes(b"film_id,title,release_date,production_budget_usd\nb-2026,B,2026-01-01,200\n")
    assert cli.main(["ingest", "films", str(file)]) == 0

    report = lake.load(FILMS)

    assert [outcome.status for outcome in report.files] == ["loaded", "loaded"]
    assert lake.rows("SELECT film_id FROM raw.films ORDER BY film_id") == [{"film_id": "a-2026"}, {"film_id": "b-2026"}]


def test_ingest_into_an_unknown_source_exits_2_and_lands_nothing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "x.csv"
    file.write_text("a\n1\n")

    assert cli.main(["ingest", "netflix", str(file)]) == 2

    err = capsys.readouterr().err
    assert "unknown source 'netflix'" in err
    assert "films" in err  # it names the known sources
    assert not (home / "landing").exists()


@pytest.mark.parametrize("unreadable", ["missing.csv", "a_folder"])
def test_ingest_of_an_unreadable_file_exits_2_and_lands_nothing(
    home: Path, tmp_path: Path, unreadable: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_text("title\nA\n")
    (tmp_path / "a_folder").mkdir()

    assert cli.main(["ingest", "films", str(good), str(tmp_path / unreadable)]) == 2

    assert f"cannot read {tmp_path / unreadable}" in capsys.readouterr().err
    assert not (home / "landing" / "films").exists()  # not even the readable file: all or nothing


# --- sql -------------------------------------------------------------------------------------------


def test_sql_without_a_lake_exits_1_with_a_clear_message_and_creates_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sql", "select 1"]) == 1

    err = capsys.readouterr().err
    assert "no lakehouse at" in err
    assert "backlot run" in err
    assert not (home / "lake" / "catalog.sqlite").exists()


def test_sql_json_prints_one_array_of_row_objects_with_nulls_as_null(
    marts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sql", "SELECT * FROM demo ORDER BY a", "--format", "json"]) == 0

    assert json.loads(capsys.readouterr().out) == [{"a": 1, "b": None, "c": "x,y"}, {"a": 2, "b": "b", "c": "z"}]


def test_sql_csv_prints_a_header_and_quoted_fields(marts: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", "SELECT * FROM demo ORDER BY a", "--format", "csv"]) == 0

    assert capsys.readouterr().out.splitlines() == ["a,b,c", '1,,"x,y"', "2,b,z"]


def test_sql_table_is_the_default_format(marts: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", "SELECT * FROM demo ORDER BY a"]) == 0

    assert capsys.readouterr().out.splitlines() == ["a  b  c", "-  -  ---", "1  ∅  x,y", "2  b  z", "(2 rows)"]


def test_sql_reads_meta_and_quarantine_unqualified(lake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    lake.load(FILMS, ("films.csv", "title,release_date,production_budget_usd\nA,2026-01-01,100\nB,never,200\n"))

    assert cli.main(["sql", "SELECT file_name, status FROM loads", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"file_name": "films.csv", "status": "loaded"}]
    assert cli.main(["sql", "SELECT title, _row_number FROM films", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"title": "B", "_row_number": 3}]


def test_sql_is_read_only(marts: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", "INSERT INTO meta.loads (source) VALUES ('sneaky')"]) == 1
    assert "read-only" in capsys.readouterr().err

    assert cli.main(["sql", "DROP VIEW demo"]) == 1
    assert marts.scalar("SELECT count(*) FROM meta.loads") == 0
    assert marts.scalar("SELECT count(*) FROM lake.marts.demo") == 2


def test_sql_query_error_exits_1_with_duckdbs_message(marts: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", "SELECT * FROM no_such_mart"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("backlot sql: Catalog Error")
    assert "no_such_mart" in err


def test_sql_as_of_an_unknown_publish_exits_1(marts: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sql", "SELECT 1", "--as-of", "99"]) == 1

    assert "no publish with id 99" in capsys.readouterr().err


def test_sql_is_not_blocked_by_a_pipeline_writing_and_sees_only_what_it_committed(
    marts: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    marts.con.execute("BEGIN")
    marts.con.execute("INSERT INTO meta.loads (source, file_name, status) VALUES ('films', 'half.csv', 'loaded')")
    try:
        assert cli.main(["sql", "SELECT count(*) AS n FROM loads", "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == [{"n": 0}]
    finally:
        marts.con.execute("COMMIT")

    assert cli.main(["sql", "SELECT count(*) AS n FROM loads", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": 1}]


# --- status ----------------------------------------------------------------------------------------


def test_status_on_an_empty_home_exits_0_and_says_there_is_no_lake(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["status"]) == 0

    assert "no lakehouse at" in capsys.readouterr().out


def test_status_json_reports_each_source(lake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    lake.load(FILMS, ("films.csv", "title,release_date,production_budget_usd\nA,2026-01-01,100\nB,never,200\n"))

    assert cli.main(["status", "--format", "json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert [(s["source"], s["files_loaded"], s["rows_loaded"], s["rows_quarantined"]) for s in report["sources"]] == [
        ("films", 1, 1, 1)
    ]
    assert report["last_publish"] is None


def test_status_table_on_a_new_lake(lake: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["status"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == ["no files loaded yet", "last publish: none", "failing checks: none", "freshness:"]
    assert "  films: nothing loaded yet (expected every 192 h; last load never)" in lines
    assert lines[-1] == "runs in progress: none"


# --- SIGPIPE -----------------------------------------------------------------------------------------


def _ignores_sigpipe(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    ignored = int(next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16)
    return bool(ignored & (1 << (signal.SIGPIPE - 1)))


@pytest.mark.parametrize("command", [["api", "--insecure-no-auth"], ["dashboard"]])
def test_servers_keep_sigpipe_ignored_so_a_client_hanging_up_cannot_kill_them(
    command: list[str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**os.environ, "BACKLOT_HOME": str(tmp_path / "home")}
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *command, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/", 60)
        assert _ignores_sigpipe(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_printing_commands_end_quietly_on_a_closed_pipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKLOT_HOME", str(tmp_path / "home"))
    previous = signal.getsignal(signal.SIGPIPE)
    try:
        cli.main(["status"])
        assert signal.getsignal(signal.SIGPIPE) == signal.SIG_DFL  # `backlot sql ... | head` ends quietly
    finally:
        signal.signal(signal.SIGPIPE, previous)
