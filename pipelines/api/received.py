"""Content already received: recorded in `meta.loads`, or a file still waiting in `landing/<source>/`.

The loader is the authority on duplicates (it records resent content as `duplicate`);
this only lets the API answer a resend with `duplicate: true` and write nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipelines import lakehouse
from pipelines.lib.landing import QUEUE, is_pending_name
from pipelines.settings import Settings

logger = logging.getLogger("backlot.api")

# A file's identity while it waits: a claim renames it into the queue, which keeps all four.
StatKey = tuple[int, int, int, int]


class ReceivedContent:
    """Looks content up by SHA-256; remembers the hashes of waiting files so each is hashed once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._hashes: dict[str, dict[StatKey, str]] = {}  # source -> waiting file -> its SHA-256
        self._guard = threading.Lock()

    def loaded_name(self, source: str, sha256: str) -> str | None:
        """The name content was first recorded under in `meta.loads` for `source`, if it was.

        Read through a read-only lake connection opened for this lookup and closed at once:
        on the SQLite catalog, a writer in another process waits to commit while a reader's
        connection is open, so none is kept. A lake that cannot be read is logged and taken
        as "not recorded": the file is then landed, and the loader records it as a duplicate
        if it is one.
        """
        catalog = self.settings.catalog
        if catalog.startswith("sqlite:") and not Path(catalog.removeprefix("sqlite:")).exists():
            return None  # no lakehouse yet: nothing was ever loaded
        try:
            con = lakehouse.connect(self.settings, read_only=True)
        except duckdb.Error as error:
            logger.warning("cannot read the lakehouse to look for duplicates: %s", error)
            return None
        try:
            row = con.execute(
                "SELECT file_name FROM meta.loads WHERE source = ? AND file_sha256 = ? ORDER BY loaded_at LIMIT 1",
                [source, sha256],
            ).fetchone()
        except duckdb.CatalogException:
            return None  # a lake without meta.loads has loaded nothing
        except duckdb.Error as error:
            logger.warning("cannot read meta.loads to look for duplicates: %s", error)
            return None
        finally:
            con.close()
        return None if row is None else str(row[0])

    def waiting_name(self, source: str, source_dir: Path, sha256: str) -> str | None:
        """The name of a file with this content waiting in `source_dir` or its queue, if there is one."""
        seen: dict[StatKey, str] = {}
        found = None
        with self._guard:
            known = dict(self._hashes.get(source, {}))
        for path in _waiting(source_dir):
            try:
                stat = path.stat()
                key = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
                digest = known.get(key) or _sha256(path)
            except FileNotFoundError:
                continue  # archived by a batch meanwhile: then meta.loads has it
            seen[key] = digest
            if digest == sha256 and found is None:
                found = path.name
        with self._guard:
            self._hashes[source] = seen  # forget the files that are gone
        return found

    def remember(self, source: str, path: Path, sha256: str) -> None:
        """A file the API has just landed: its hash is known, it need not be read again."""
        stat = path.stat()
        with self._guard:
            self._hashes.setdefault(source, {})[(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)] = sha256


def _waiting(source_dir: Path) -> list[Path]:
    """The files waiting in `source_dir` and its queue folders; a batch may move them while this lists."""
    paths = _files(source_dir, is_pending_name)
    for claim in _files(source_dir / QUEUE, lambda name: True, folders=True):
        paths += _files(claim, lambda name: True)
    return paths


def _files(folder: Path, wanted: Callable[[str], bool], *, folders: bool = False) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return [Path(e.path) for e in entries if (e.is_dir() if folders else e.is_file()) and wanted(e.name)]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
