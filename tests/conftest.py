"""Settings shared by every test directory."""

from __future__ import annotations

import os

from hypothesis import Phase, settings

# `make test` draws the same Hypothesis examples on every run, so a red CI means a change, never
# bad luck. BACKLOT_HYPOTHESIS=explore draws new ones each run: with BACKLOT_FUZZ_EXAMPLES=N it
# is the deep search of docs/reliability.md, whose finds become seed-corpus files.
settings.register_profile("suite", derandomize=True, database=None)
settings.register_profile("explore")
# The suite's examples, stopping at the first failure without shrinking it: for checking that a
# deliberately broken model fails a property test (docs/reliability.md, mutation checks).
settings.register_profile("mutation", derandomize=True, database=None, phases=[Phase.generate])
settings.load_profile(os.environ.get("BACKLOT_HYPOTHESIS", "suite"))
