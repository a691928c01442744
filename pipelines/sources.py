"""Every landing source, found in the `sources.py` of each domain under pipelines/defs/."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from pipelines import defs
from pipelines.lib.loading import SourceSpec


def _discover() -> dict[str, SourceSpec]:
    found: dict[str, SourceSpec] = {}
    for domain in pkgutil.iter_modules(defs.__path__):
        name = f"{defs.__name__}.{domain.name}.sources"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        found.update({spec.name: spec for spec in getattr(module, "SOURCES", ())})
    return found


SOURCES = _discover()
