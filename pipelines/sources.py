"""Every landing source, by name: the `SourceSpec`s declared in each domain's `defs/<domain>/sources.py`.

A source is declared once, as its spec; its raw asset (`definitions.py`) and `backlot
ingest`'s list of known sources are derived from here. Importing this loads no Dagster.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from pipelines import defs
from pipelines.lib.loading import SourceSpec


def _discover() -> dict[str, tuple[SourceSpec, str]]:
    found: dict[str, tuple[SourceSpec, str]] = {}
    for domain in pkgutil.iter_modules(defs.__path__):
        name = f"{defs.__name__}.{domain.name}.sources"
        if not domain.ispkg or importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, SourceSpec):
                if value.name in found:
                    raise ValueError(f"two sources named {value.name!r} ({found[value.name][1]} and {domain.name})")
                found[value.name] = (value, domain.name)
    return found


_FOUND = _discover()
SOURCES: dict[str, SourceSpec] = {name: spec for name, (spec, _) in _FOUND.items()}
DOMAINS: dict[str, str] = {name: domain for name, (_, domain) in _FOUND.items()}  # source -> its domain folder
