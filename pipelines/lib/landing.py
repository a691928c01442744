"""The landing zone: where files arrive, how a batch claims them, and where loaded files are kept.

    landing/<source>/<name>                  delivered, waiting (producers and `backlot ingest` put files here)
    landing/<source>/.queue/<claim>/<name>   taken out of the producers' way, not loaded yet
    landing/<source>/.archive/<sha>__<name>  processed (loaded, duplicate or rejected), kept for rebuilds
                                             (<sha>/<name> when that would be over 255 bytes)

A batch claims its files before it reads them: under the source's lock it moves every
waiting file into a queue folder of its own (an atomic rename), then hashes and reads the
queued files from there. A producer that delivers new content under the same name while
the batch runs writes a new file beside it, never into the bytes being read. A file stays
queued until a batch commits it, so one whose batch failed or was killed is taken by the
next. A delivery whose name is already waiting queues the waiting file first, so it never
replaces content that has not been loaded.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pipelines.settings import IGNORED_PREFIXES, IGNORED_SUFFIXES

CHUNK = 1 << 20
MAX_NAME_BYTES = 255  # a file name's limit on Linux file systems
QUEUE = ".queue"
ARCHIVE = ".archive"
LOCK = ".lock"  # held by the batch that claims and loads the source's files
# A delivery's temp file untouched this long was left by a process killed mid-delivery (see
# temp_file): never loaded, and removed by the next claim. A live upload writes to it all along.
ABANDONED_AFTER = 24 * 3600


@dataclass(frozen=True)
class LandedFile:
    path: Path
    sha256: str
    size: int
    # Counted in the same pass as the hash, so readers need not read the file again for them.
    lines: int  # newline-separated lines; a last line without a newline counts
    longest_line: int  # an upper bound, in bytes: readers that cannot take long lines look here first
    # A CR, VT or FF anywhere: DuckDB's readers split or trim at them as a line-by-line reader does not.
    odd_whitespace: bool
    # Whether the file is UTF-8 text, found in the same pass: DuckDB's readers fail on what is
    # not (a whole batch at once, for JSON), so the readers reject or quarantine it first.
    bom: str | None = None  # the byte-order mark it starts with: "UTF-8", "UTF-16" or "UTF-32"
    nul_line: int | None = None  # the first line holding a NUL byte: binary data, or UTF-16 without a mark
    not_utf8_line: int | None = None  # the first line with bytes UTF-8 does not allow (Latin-1, say)

    @property
    def name(self) -> str:
        return self.path.name


def is_pending_name(name: str) -> bool:
    return not name.startswith(IGNORED_PREFIXES) and not name.endswith(IGNORED_SUFFIXES)


def waiting_paths(source_dir: Path) -> list[Path]:
    """Files not loaded yet, delivered or queued, oldest first (then by name); nothing is hashed or moved.

    A claim or a delivery may move files while this lists (sensors and the ingest API list
    while batches run): a file gone before it is looked at is not waiting here any more.
    """
    paths = _entries(source_dir, is_pending_name)
    for claim in _entries(source_dir / QUEUE, folders=True):
        paths += _entries(claim)
    arrivals = {}
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            arrivals[path] = (path.stat().st_mtime_ns, path.name)
    return sorted(arrivals, key=arrivals.__getitem__)


def _entries(folder: Path, wanted: Callable[[str], bool] = lambda name: True, *, folders: bool = False) -> list[Path]:
    """The files (or folders) in `folder` whose names are `wanted`; none when the folder is gone."""
    try:
        with os.scandir(folder) as entries:
            return [Path(e.path) for e in entries if (e.is_dir() if folders else e.is_file()) and wanted(e.name)]
    except (FileNotFoundError, NotADirectoryError):
        return []


def sha256(path: Path) -> str:
    """A file's SHA-256, hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# A waiting file's identity without reading it: a claim renames it into the queue, which keeps all four.
FileIdentity = tuple[int, int, int, int]


class WaitingHashes:
    """The content hash of every file waiting in one source folder, each version of a file hashed once.

    For whoever asks again and again (the landing sensors every tick, the ingest API every
    request): it keeps the hashes of the files waiting at the last call and forgets the rest.
    """

    def __init__(self) -> None:
        self._known: dict[FileIdentity, str] = {}
        self._lock = threading.Lock()

    def current(self, source_dir: Path) -> dict[Path, str]:
        """Each waiting file (oldest first) and its SHA-256."""
        with self._lock:
            known = dict(self._known)
        seen: dict[FileIdentity, str] = {}
        hashes = {}
        for path in waiting_paths(source_dir):
            try:
                stat = path.stat()
                identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
                digest = known.get(identity) or sha256(path)
            except FileNotFoundError:
                continue  # claimed and archived meanwhile
            seen[identity] = hashes[path] = digest
        with self._lock:
            self._known = seen
        return hashes

    def remember(self, path: Path, digest: str) -> None:
        """A file whose hash is known already (it was just written): it need not be read again."""
        stat = path.stat()
        with self._lock:
            self._known[(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)] = digest


@dataclass
class Claim:
    """The files one batch took: queued for it, scanned, archived once the batch is committed."""

    source_dir: Path
    files: list[LandedFile] = field(default_factory=list)

    def archive(self) -> None:
        """Move every claimed file to the archive, named by its hash (a processed file is kept for rebuilds)."""
        target_dir = self.source_dir / ARCHIVE
        target_dir.mkdir(exist_ok=True)
        for file in self.files:
            target = archived_path(target_dir, file.sha256, file.name)
            target.parent.mkdir(exist_ok=True)
            os.replace(file.path, target)
            _fsync_dir(target.parent)
        _fsync_dir(target_dir)


def archived_path(archive_dir: Path, sha256: str, name: str) -> Path:
    """Where a processed file is kept: `<sha[:16]>__<name>`, or `<sha[:16]>/<name>` when that is too long a name.

    The landing zone takes any name a file system does (up to 255 bytes, what the ingest API
    allows too), and the hash prefix adds 18: archiving such a file under one name failed
    with "File name too long" after its batch had committed, and every later run of the
    source failed the same way. In a folder of its own the whole name is kept: render logs
    and GPU metrics carry data in it, which a rebuild needs.
    """
    flat = f"{sha256[:16]}__{name}"
    if len(flat.encode()) <= MAX_NAME_BYTES:
        return archive_dir / flat
    return archive_dir / sha256[:16] / name


@contextlib.contextmanager
def claim(source_dir: Path) -> Iterator[Claim]:
    """Claim every file waiting in `source_dir` for one batch (see the module docstring).

    The lock is the source's, so batches of one source take turns; it goes with the process
    that holds it, so a batch that was killed leaves its files queued, not locked.
    """
    source_dir.mkdir(parents=True, exist_ok=True)
    with (source_dir / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _remove_abandoned_temp_files(source_dir)
            queued = _queue_waiting(source_dir)
            yield Claim(source_dir, [scan(path) for path in queued])
        finally:
            _remove_empty_queues(source_dir)
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_abandoned_temp_files(source_dir: Path) -> None:
    """Delete the temp files of deliveries killed before they placed their file (see ABANDONED_AFTER)."""
    cutoff = time.time() - ABANDONED_AFTER
    for path in source_dir.glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _queue_waiting(source_dir: Path) -> list[Path]:
    """Move the delivered files into a new queue folder; return every queued file, oldest first."""
    delivered = [p for p in source_dir.iterdir() if p.is_file() and is_pending_name(p.name)]
    if delivered:
        folder = _new_queue_folder(source_dir)
        for path in delivered:
            # A delivery may have queued it a moment ago: then it is in the queue already.
            with contextlib.suppress(FileNotFoundError):
                os.rename(path, folder / path.name)
        _fsync_dir(source_dir)
    return [p for p in waiting_paths(source_dir) if p.parent.parent.name == QUEUE]


def _new_queue_folder(source_dir: Path) -> Path:
    # Named by time first, so folders list in the order they were made.
    folder = source_dir / QUEUE / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def _remove_empty_queues(source_dir: Path) -> None:
    queue = source_dir / QUEUE
    if not queue.is_dir():
        return
    for folder in queue.iterdir():
        with contextlib.suppress(OSError):  # not empty, or gone
            folder.rmdir()


def scan(path: Path) -> LandedFile:
    """Hash, size and lines of a file in one streaming pass (flat memory).

    The longest line is bounded, not measured: a line within one chunk is shorter than the
    chunk, and only lines running across chunks are added up. So, like the other counts, it
    needs nothing slower than byte searches, and the pass costs what hashing costs: UTF-8 is
    decoded only from a chunk that is not plain ASCII on.
    """
    import numpy as np  # pulled in by pyarrow and pandas anyway; only a scan needs it here

    digest = hashlib.sha256()
    size = newlines = 0
    last = b"\n"
    longest = running = 0  # running: the bytes since the last newline
    odd_whitespace = False
    nul_line = not_utf8_line = None
    head = b""  # the first bytes, for a byte-order mark
    utf8 = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if len(head) < 4:
                head += chunk[: 4 - len(head)]
            digest.update(chunk)
            size += len(chunk)
            if nul_line is None and (nul := chunk.find(b"\0")) >= 0:
                nul_line = newlines + chunk.count(b"\n", 0, nul) + 1
            if not_utf8_line is None:
                not_utf8_line = _not_utf8_at(utf8, chunk, newlines)
            # numpy compares a vector of bytes at a time, several times faster than bytes.count
            newlines += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == 10))
            last = chunk[-1:]
            odd_whitespace = odd_whitespace or any(c in chunk for c in (b"\r", b"\x0b", b"\x0c"))
            first = chunk.find(b"\n")
            if first < 0:
                running += len(chunk)
                continue
            longest = max(longest, running + first, len(chunk))
            running = len(chunk) - 1 - chunk.rfind(b"\n")
    lines = newlines + (last != b"\n")
    if not_utf8_line is None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            not_utf8_line = lines  # the file ends inside a character: it was cut there
    return LandedFile(
        path,
        digest.hexdigest(),
        size,
        lines,
        longest_line=max(longest, running),
        odd_whitespace=odd_whitespace,
        bom=next((name for mark, name in _BOMS if head.startswith(mark)), None),
        nul_line=nul_line,
        not_utf8_line=not_utf8_line,
    )


# UTF-32's marks first: UTF-32-LE's starts with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
    (codecs.BOM_UTF8, "UTF-8"),
)


def _not_utf8_at(decoder: codecs.IncrementalDecoder, chunk: bytes, lines_before: int) -> int | None:
    """The line of the first bytes in `chunk` that UTF-8 does not allow, or None; `decoder` carries a
    character split across chunks over to the next. Plain ASCII, most files, needs no decoding."""
    pending = len(decoder.getstate()[0])
    if not pending and chunk.isascii():
        return None
    try:
        decoder.decode(chunk)
    except UnicodeDecodeError as error:
        at = max(error.start - pending, 0)
        return lines_before + chunk.count(b"\n", 0, at) + 1
    return None


@contextlib.contextmanager
def temp_file(source_dir: Path, label: str = "delivery") -> Iterator[tuple[BinaryIO, Path]]:
    """A new, empty file in `source_dir` under a temp name, open for writing; gone on exit unless placed.

    Temp names start with '.' and end in '.tmp', so no scan takes a half-written file. The
    file is made in the source folder itself because `place` links it, and a link cannot
    cross file systems.
    """
    source_dir.mkdir(parents=True, exist_ok=True)
    # A long name would make the temp name longer than a file name may be: a label is enough.
    prefix = "." + label.encode()[:64].decode(errors="ignore") + "."
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=source_dir)
    path = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle, path
    finally:
        path.unlink(missing_ok=True)


def place(source_dir: Path, temp: Path, name: str) -> Path:
    """Put an already-written temp file of `source_dir` in place as `name`: fsync, link, never over a waiting file.

    The one way a delivery lands (`deliver`, the ingest API). The link is atomic and never
    replaces a file: if one of that name is still waiting, it is queued first (see the
    module docstring), so both contents are loaded. The temp name is removed, and the
    folder is fsynced, so the file is durably there under its name when this returns.
    """
    if temp.parent != source_dir:
        raise ValueError(f"{temp} is not in {source_dir}: a link cannot put it there atomically")
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise ValueError(f"{name!r} is not a file name in {source_dir}")
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)  # the content is on disk before any name points at it
    finally:
        os.close(fd)
    target = source_dir / name
    while True:
        try:
            os.link(temp, target)
            break
        except FileExistsError:
            _queue_one(source_dir, target)
    temp.unlink()
    _fsync_dir(source_dir)
    return target


def deliver(source_dir: Path, name: str, content: bytes | Path) -> Path:
    """Put a file into the landing zone atomically: a temp file, written and fsynced, then `place`d under its name."""
    with temp_file(source_dir, name) as (handle, temp):
        if isinstance(content, Path):
            with content.open("rb") as src:
                shutil.copyfileobj(src, handle, CHUNK)
        else:
            handle.write(content)
        handle.flush()
        return place(source_dir, temp, name)


def _queue_one(source_dir: Path, path: Path) -> None:
    """Queue a waiting file, so a delivery can take its name; a batch may have just claimed it."""
    folder = _new_queue_folder(source_dir)
    with contextlib.suppress(FileNotFoundError):
        os.rename(path, folder / path.name)
    _fsync_dir(folder)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
