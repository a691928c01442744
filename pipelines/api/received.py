"""Content already received: recorded in `meta.loads`, or a file still waiting in `landing/<source>/`.

The loader is the authority on duplicates (it records resent content as `duplicate`);
this only lets the API answer a resend with `duplicate: true` and write nothing.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import duckdb

from pipelines import lakehouse
from pipelines.lib.landing import WaitingHashes
from pipelines.settings import Settings

logger = logging.getLogger("backlot.api")


class ReceivedContent:
    """Looks content up by SHA-256; remembers the hashes of waiting files so each is hashed once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._waiting: dict[str, WaitingHashes] = {}  # source -> the hashes of its waiting files
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
        waiting = self._waiting_hashes(source).current(source_dir)
        return next((path.name for path, digest in waiting.items() if digest == sha256), None)

    def remember(self, source: str, path: Path, sha256: str) -> None:
        """A file the API has just landed: its hash is known, it need not be read again."""
        self._waiting_hashes(source).remember(path, sha256)

    def _waiting_hashes(self, source: str) -> WaitingHashes:
        with self._guard:
            return self._waiting.setdefault(source, WaitingHashes())
