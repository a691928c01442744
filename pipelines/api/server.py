"""`backlot api`: the ingest API served by uvicorn, in this process."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import uvicorn

from pipelines.api.app import create_app
from pipelines.settings import Settings, http_url


def serve(settings: Settings, *, host: str, port: int, insecure_no_auth: bool = False) -> int:
    """Serve until interrupted; 0 after a clean stop, 1 if the server could not start (say, the port is taken)."""
    app = create_app(settings, insecure_no_auth=insecure_no_auth)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.ingest_token:
        print("backlot api: WARNING: no token: anyone who can reach the port can deliver files", flush=True)
    print(f"backlot api: listening on {http_url(host, port)} (landing zone {settings.landing_dir})", flush=True)
    # uvicorn's access log has the request line, never its headers: the token is not logged.
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info", server_header=False))
    # uvicorn stops gracefully on SIGINT/SIGTERM and then raises the signal again for the
    # handler it found; with these, a stop that was asked for ends the command with 0.
    previous = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    except SystemExit as exit_:  # uvicorn exits when it cannot bind; say so with our exit code
        return 1 if exit_.code else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if server.started else 1


def _stopped(signum: int, frame: FrameType | None) -> None:
    """The signal uvicorn raises again once it has stopped: nothing left to do."""
