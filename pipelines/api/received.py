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
        # source -> (the catalog's version, hash -> the name it was first recorded under)
        self._loaded: dict[str, tuple[tuple[tuple[int, int], ...], dict[str, str]]] = {}
        self._guard = threading.Lock()

    def loaded_name(self, source: str, sha256: str) -> str | None:
        """The name content was first recorded under in `meta.loads` for `source`, if it was.

        On the SQLite catalog the source's recorded hashes are read once and kept until the
        catalog's files change (a commit changes them): opening the lake costs far more than
        a request, and a delivery must not wait for it. Other catalogs are asked each time.
        """
        version = self._catalog_version()
        with self._guard:
            cached = self._loaded.get(source)
        if version is not None and cached is not None and cached[0] == version:
            return cached[1].get(sha256)
        names = self._read_loaded(source)
        if version is not None:
            with self._guard:
                self._loaded[source] = (version, names)
        return names.get(sha256)

    def _catalog_version(self) -> tuple[tuple[int, int], ...] | None:
        """What changes whenever the SQLite catalog commits (its file and its write-ahead log); None elsewhere."""
        catalog = self.settings.catalog
        if not catalog.startswith("sqlite:"):
            return None
        path = Path(catalog.removeprefix("sqlite:"))
        version = []
        for part in (path, path.with_name(path.name + "-wal")):
            try:
                stat = part.stat()
                version.append((stat.st_mtime_ns, stat.st_size))
            except FileNotFoundError:
                version.append((0, 0))
        return tuple(version)

    def _read_loaded(self, source: str) -> dict[str, str]:
        """Every hash recorded for `source` in `meta.loads`, with the name it was first recorded under.

        Read through a read-only lake connection opened for this and closed at once. A lake
        that cannot be read is logged and taken as "nothing recorded": the file is then
        landed, and the loader records it as a duplicate if it is one.
        """
        catalog = self.settings.catalog
        if catalog.startswith("sqlite:") and not Path(catalog.removeprefix("sqlite:")).exists():
            return {}  # no lakehouse yet: nothing was ever loaded
        try:
            con = lakehouse.connect(self.settings, read_only=True)
        except duckdb.Error as error:
            logger.warning("cannot read the lakehouse to look for duplicates: %s", error)
            return {}
        try:
            rows = con.execute(
                "SELECT file_sha256, arg_min(file_name, loaded_at) FROM meta.loads WHERE source = ? GROUP BY ALL",
                [source],
            ).fetchall()
        except duckdb.CatalogException:
            return {}  # a lake without meta.loads has loaded nothing
        except duckdb.Error as error:
            logger.warning("cannot read meta.loads to look for duplicates: %s", error)
            return {}
        finally:
            con.close()
        return {str(sha): str(name) for sha, name in rows}

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
