"""Sample data for `backlot demo`: a small film-finance desk's files, delivered into the landing zone.

`box_office` (the film catalog and daily charts), `render` (farm events, Blender logs,
nvidia-smi samples) and `social` (YouTube and Reddit responses, links to films). The same
seed always gives byte-identical files, delivered oldest first as producers would send them.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.landing import deliver


def land(path: Path, text: str) -> Path:
    """Deliver `text` as the file `path` the way any producer's file arrives: atomically, never overwriting."""
    return deliver(path.parent, path.name, text.encode())
