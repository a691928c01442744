"""Live progress of `backlot run` on a terminal: each step as it starts and ends, and what loading loaded.

A Dagster logger, used only when a run's config names it (`backlot run` does so when its
standard error is a terminal): runs the daemon starts, and piped output, stay quiet.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import dagster as dg


class _ProgressHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        meta: dict[str, Any] = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        line = None
        if event is None:
            message = str(meta.get("orig_message") or "")
            if step.startswith("raw__") and " files: " in message.splitlines()[0]:
                line = f"    {step.removeprefix('raw__')}: {message.splitlines()[0]}"
        elif event.event_type_value == "STEP_START":
            line = f"  ... {step}"
        elif event.event_type_value == "STEP_SUCCESS":
            seconds = event.event_specific_data.duration_ms / 1000
            line = f"  ok  {step} ({seconds:.1f} s)"
        elif event.event_type_value == "STEP_FAILURE":
            line = f"  FAILED {step}"
        if line is not None:
            elapsed = time.monotonic() - self.started
            print(f"[{elapsed:5.1f} s]{line}", file=sys.__stderr__, flush=True)


@dg.logger(None, description="Prints each step and what loading loaded to the terminal that started the run.")
def progress_logger(_init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("backlot.progress", level=logging.DEBUG)  # step events are DEBUG records
    logger.addHandler(_ProgressHandler())
    return logger
