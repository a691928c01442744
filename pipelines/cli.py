"""The `backlot` command: deliver files, run the pipeline, query the published marts.

Heavy imports (Dagster, dbt, GX) happen inside the commands that need them, so that
`backlot sql` and `backlot status` answer in well under a second.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines.settings import load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


# Long-running servers: a client that hangs up mid-response must cost them an error, not their life.
SERVERS = frozenset({"serve", "api", "dashboard"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    if args.command not in SERVERS:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `backlot sql ... | head` ends quietly
    result: int = args.handler(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backlot", description="Backlot: the lean-production lakehouse.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="seed sample data, run the pipeline, print the marts")
    demo.add_argument("--scale", type=int, default=1, help="multiply the number of sample films")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the sample data")
    demo.set_defaults(handler=_demo)

    ingest = commands.add_parser("ingest", help="copy files into landing/SOURCE/ (no processing)")
    ingest.add_argument("source")
    ingest.add_argument("files", nargs="+", type=Path)
    ingest.set_defaults(handler=_ingest)

    run = commands.add_parser("run", help="one synchronous pass: load, validate, build, audit, publish")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every model from all of raw, not only what the new rows change",
    )
    run.set_defaults(handler=_run)

    sql = commands.add_parser("sql", help="read-only SQL on the published marts (and meta, quarantine)")
    sql.add_argument("query")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("--as-of", type=int, metavar="PUBLISH_ID", help="query the marts as that publish left them")
    sql.set_defaults(handler=_sql)

    serve = commands.add_parser(
        "serve", help="the Dagster UI and daemon, the ingest API and the dashboard, until stopped"
    )
    serve.add_argument("--dagster-host", help="the UI's address (default 127.0.0.1, BACKLOT_DAGSTER_HOST)")
    serve.add_argument("--dagster-port", type=int, help="the UI's port (default 3000, BACKLOT_DAGSTER_PORT)")
    serve.add_argument("--api-host", help="the ingest API's address (default 127.0.0.1, BACKLOT_API_HOST)")
    serve.add_argument("--api-port", type=int, help="the ingest API's port (default 8484, BACKLOT_API_PORT)")
    serve.add_argument("--dashboard-host", help="the dashboard's address (default 127.0.0.1, BACKLOT_DASHBOARD_HOST)")
    serve.add_argument("--dashboard-port", type=int, help="the dashboard's port (default 8050, BACKLOT_DASHBOARD_PORT)")
    serve.add_argument(
        "--insecure-no-auth", action="store_true", help="run the ingest API without BACKLOT_INGEST_TOKEN"
    )
    serve.set_defaults(handler=_serve)

    api = commands.add_parser("api", help="serve the ingest API: producers POST files into landing/SOURCE/")
    api.add_argument("--host", help="address to listen on (default BACKLOT_API_HOST, else 127.0.0.1)")
    api.add_argument("--port", type=int, help="port to listen on (default BACKLOT_API_PORT, else 8484)")
    api.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="start without BACKLOT_INGEST_TOKEN: anyone who can reach the port may deliver files",
    )
    api.set_defaults(handler=_api)

    dashboard = commands.add_parser("dashboard", help="serve the investor dashboard over the published marts")
    dashboard.add_argument("--host", help="address to listen on (default BACKLOT_DASHBOARD_HOST, else 127.0.0.1)")
    dashboard.add_argument("--port", type=int, help="port to listen on (default BACKLOT_DASHBOARD_PORT, else 8050)")
    dashboard.set_defaults(handler=_dashboard)

    export = commands.add_parser("export", help="write every published mart to DIR, one file each")
    export.add_argument("directory", type=Path, metavar="DIR")
    export.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    export.add_argument("--as-of", type=int, metavar="PUBLISH_ID", help="the marts as that publish left them")
    export.set_defaults(handler=_export)

    bi_url = commands.add_parser("bi-url", help="the SQLAlchemy URL BI tools use to read the published marts")
    bi_url.add_argument("--as-of", type=int, metavar="PUBLISH_ID", help="the marts as that publish left them")
    bi_url.set_defaults(handler=_bi_url)

    status = commands.add_parser("status", help="per-source loads, last publish, failing checks")
    status.add_argument("--format", choices=("table", "json"), default="table")
    status.set_defaults(handler=_status)

    maintain = commands.add_parser(
        "maintain", help="lake upkeep: merge small files, expire old snapshots, delete unneeded files and old runs"
    )
    maintain.set_defaults(handler=_maintain)
    return parser


def _sources() -> dict[str, Any]:
    from pipelines.sources import SOURCES

    return SOURCES


def _ingest(args: argparse.Namespace) -> int:
    from pipelines.lib.landing import deliver

    if args.source not in _sources():
        print(
            f"backlot ingest: unknown source {args.source!r} (known: {', '.join(sorted(_sources()))})", file=sys.stderr
        )
        return EXIT_USAGE
    unreadable = [f for f in args.files if not f.is_file() or not _readable(f)]
    if unreadable:
        print(f"backlot ingest: cannot read {', '.join(map(str, unreadable))}", file=sys.stderr)
        return EXIT_USAGE
    settings = load_settings()
    for file in args.files:
        target = deliver(settings.landing(args.source), file.name, file)
        print(f"landed {file} -> {target}")
    return EXIT_OK


def _readable(path: Path) -> bool:
    try:
        with path.open("rb"):
            return True
    except OSError:
        return False


def _api(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.ingest_token and not args.insecure_no_auth:
        print(
            "backlot api: no ingest token: set BACKLOT_INGEST_TOKEN, or pass --insecure-no-auth to accept anyone",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from pipelines.api import server  # FastAPI and uvicorn only for this command

    host = args.host or settings.api_host
    port = settings.api_port if args.port is None else args.port
    return server.serve(settings, host=host, port=port, insecure_no_auth=args.insecure_no_auth)


def _dashboard(args: argparse.Namespace) -> int:
    from pipelines.dashboard import server  # Dash, Plotly and Polars only for this command

    settings = load_settings()
    host = args.host or settings.dashboard_host
    port = settings.dashboard_port if args.port is None else args.port
    return server.serve(settings, host=host, port=port)


def _run(args: argparse.Namespace) -> int:
    from pipelines.run import run_once

    try:
        # Live progress only on a terminal: piped output stays the summary alone.
        outcome = run_once(progress=sys.stderr.isatty(), full_refresh=args.full_refresh)
    except Exception as error:  # the lake or the instance cannot be opened or written at all
        print(f"backlot run: {_one_line(error)}", file=sys.stderr)
        print(_home_trouble() or "the previously published marts are unchanged", file=sys.stderr)
        return EXIT_FAILED
    print(outcome.render())
    if not outcome.current and (trouble := _home_trouble()):
        print(trouble, file=sys.stderr)
    return EXIT_OK if outcome.current else EXIT_FAILED


def _home_trouble() -> str | None:
    """What is wrong with the home's file system, when something is: what an operator must fix first."""
    import errno
    import os

    from pipelines.settings import load_settings

    home = load_settings().home
    try:
        stats = os.statvfs(home)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return f"BACKLOT_HOME {home}: {os.strerror(errno.EROFS)}; nothing was changed: make it writable and run again"
    if stats.f_bavail * stats.f_frsize < 1 << 20:
        return (
            f"BACKLOT_HOME {home}: {os.strerror(errno.ENOSPC)}; the previously published marts are unchanged "
            "and the waiting files stay queued: free some space and run again"
        )
    return None


def _serve(args: argparse.Namespace) -> int:
    import dataclasses

    from pipelines.serve import serve

    overrides = {
        name: value
        for name, value in (
            ("dagster_host", args.dagster_host),
            ("dagster_port", args.dagster_port),
            ("api_host", args.api_host),
            ("api_port", args.api_port),
            ("dashboard_host", args.dashboard_host),
            ("dashboard_port", args.dashboard_port),
        )
        if value is not None
    }
    settings = dataclasses.replace(load_settings(), **overrides)
    if not settings.ingest_token and not args.insecure_no_auth:
        print(
            "backlot serve: BACKLOT_INGEST_TOKEN is not set; set it, or pass --insecure-no-auth to run the "
            "ingest API without authentication",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from pipelines.dashboard.access import AccessError, check_bind

    try:
        check_bind(settings.dashboard_host, settings.dashboard_token)
    except AccessError as error:
        print(f"backlot serve: the dashboard is {error}", file=sys.stderr)
        return EXIT_USAGE
    return serve(settings, insecure_no_auth=args.insecure_no_auth)


def _demo(args: argparse.Namespace) -> int:
    from pipelines import demo

    return demo.run_demo(scale=args.scale, seed=args.seed)


def _sql(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.lib import query, readonly

    try:
        relation_rows = query.run_sql(args.query, as_of=args.as_of)
    except (duckdb.Error, query.QueryError, readonly.Refused) as error:
        print(f"backlot sql: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    columns, rows = relation_rows
    print(query.render(columns, rows, args.format))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.lib import query
    from pipelines.lib.export import export

    try:
        written = export(args.directory, args.format, as_of=args.as_of)
    except (duckdb.Error, query.QueryError, OSError) as error:
        print(f"backlot export: {str(error).splitlines()[0]}", file=sys.stderr)
        return EXIT_FAILED
    for mart, path in written.items():
        print(f"{mart} -> {path}")
    return EXIT_OK


def _bi_url(args: argparse.Namespace) -> int:
    from pipelines.lib import bi

    print(bi.url(load_settings(), as_of=args.as_of))
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from pipelines import status
    from pipelines.lib import query

    try:
        report = status.report(load_settings())
    except query.QueryError as error:
        print(f"backlot status: {error}")
        return EXIT_OK
    if args.format == "json":
        print(json.dumps(report, indent=2, default=str))
    else:
        print(status.render(report))
    return EXIT_OK


def _maintain(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines import lakehouse
    from pipelines.lib import maintenance

    settings = load_settings()
    if not settings.catalog_is_postgres and not Path(settings.catalog.removeprefix("sqlite:")).exists():
        print(f"backlot maintain: no lakehouse at {settings.catalog}", file=sys.stderr)
        return EXIT_FAILED
    try:
        con = lakehouse.connect(settings)
        try:
            report = maintenance.maintain(con, settings)
        finally:
            con.close()
    except (duckdb.Error, OSError, maintenance.MaintenanceError) as error:
        print(f"backlot maintain: {_first_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    print(report.render())
    # The nightly Dagster job also forgets old runs; by hand, so does this, when the home has an instance.
    if settings.dagster_home.is_dir():
        from pipelines.defs.maintenance.runs import delete_old_runs_in_home

        try:
            deleted = delete_old_runs_in_home(settings)
        except Exception as error:  # Dagster's storage errors have no common base class
            print(f"backlot maintain: deleting old Dagster runs failed: {_first_line(error)}", file=sys.stderr)
            return EXIT_FAILED
        print(f"dagster runs deleted: {len(deleted):,} (older than {settings.run_retention_days} days)")
    return EXIT_OK


def _one_line(error: BaseException) -> str:
    """DuckDB's message on one line: its sentences joined, without the excerpt of the query it points at."""
    lines = []
    for line in str(error).splitlines():
        if line.startswith("LINE "):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines) or type(error).__name__


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def main_exit() -> None:
    """Console-script entry point: exit with `main`'s code."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
