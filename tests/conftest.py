"""Settings shared by every test directory."""

from __future__ import annotations

import os

from hypothesis import settings

# `make test` draws the same Hypothesis examples on every run, so a red CI means a change, never
# bad luck. BACKLOT_HYPOTHESIS=explore draws new ones each run: with BACKLOT_FUZZ_EXAMPLES=N it
# is the deep search of docs/reliability.md, whose finds become seed-corpus files.
settings.register_profile("suite", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("BACKLOT_HYPOTHESIS", "suite"))
