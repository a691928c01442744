"""`backlot dashboard`: the Dash app served by waitress, in this process."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from pipelines.dashboard import access
from pipelines.settings import Settings, http_url


def serve(settings: Settings, *, host: str, port: int) -> int:
    """Serve until SIGINT or SIGTERM (0); 2 when the address needs a token that is not set; 1 when it cannot bind."""
    try:
        access.check_bind(host, settings.dashboard_token)
    except access.AccessError as error:
        print(f"backlot dashboard: {error}", file=sys.stderr)
        return 2
    import waitress  # type: ignore[import-untyped]

    from pipelines.dashboard.app import create_app, warm

    app = create_app(settings.dashboard_token)
    warm()
    try:
        server = waitress.create_server(app.server, host=host, port=port, threads=8, ident="backlot")
    except OSError as error:
        print(f"backlot dashboard: cannot listen on {http_url(host, port)}: {error.strerror or error}", file=sys.stderr)
        return 1
    signed = "; visitors sign in with BACKLOT_DASHBOARD_TOKEN" if settings.dashboard_token else ""
    print(f"backlot dashboard: listening on {http_url(host, port)}{signed}", flush=True)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        server.close()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    except OSError:
        pass  # the listening socket was closed by stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
