"""GX in a process of its own, started early so that its import overlaps the run's.

Importing Great Expectations costs about 3.5 s of one core, Dagster and dbt about as much.
A one-off process (`backlot run`) starts this worker first; by the time its first check
needs GX, the worker has imported it on the other core. Each validation sends the suite
and the sampled rows (an Arrow table) over a pipe and gets GX's verdict back. A process
that never started a worker validates in-process, as before.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

# This process's worker, once started (a one-entry registry rather than a global statement).
_WORKERS: dict[str, _Worker] = {}


class _Worker:
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), name="backlot-gx", daemon=True)
        self.process.start()
        child.close()

    def validate(self, suite: Any, frame: Any) -> dict[int, str]:
        self.connection.send((suite, frame))
        ok, value = self.connection.recv()
        if not ok:
            raise RuntimeError(value)
        return dict(value)

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()


def start() -> None:
    """Start this process's GX worker (once)."""
    if "gx" not in _WORKERS:
        _WORKERS["gx"] = _Worker()
        atexit.register(_WORKERS["gx"].stop)


def validate(suite: Any, frame: Any) -> dict[int, str] | None:
    """GX's verdict from the worker, or None when this process started none."""
    worker = _WORKERS.get("gx")
    if worker is None or not worker.process.is_alive():
        return None
    return worker.validate(suite, frame)


def _serve(connection: Connection) -> None:
    from pipelines.lib import quality

    quality.gx_batch_definition()  # the import and the context, before the first request
    while (request := connection.recv()) is not None:
        suite, frame = request
        try:
            connection.send((True, quality.validate_in_process(suite, frame)))
        except Exception as error:  # the caller reports it as a GX engine error
            connection.send((False, f"{type(error).__name__}: {error}"))
