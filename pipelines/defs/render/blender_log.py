"""Blender command-line render logs (the source `render_logs`): one record per frame.

One parser for the dialects Blender 3.x, 4.x and 5.x print (`tests/fixtures/blender/` holds
real 3.4.1, 4.5.15 and 5.0.1 captures, the unit tests say which lines are real and which
reconstructed):

    Blender 3.4.1                                      version header (4.x: `Blender 4.2.0 (hash ...)`)
    Fra:1 Mem:9.71M (Peak 9.71M) | Time:00:00.10 | ... | Sample 1/256          Cycles progress
    Fra:1 Mem:11.36M (Peak 12.48M) | Time:00:02.15 | Rendering 1 / 8 samples   EEVEE progress
    Saved: '/renders/frame_0001.png'
     Time: 00:08.53 (Saving: 00:00.15)                 leading space in 3.x, none in 4.x
    00:00.331  blend            | Read blend: "/projects/sh050.blend"                       5.x
    00:05.523  render           | Rendering frame 1                                           5.x (a)
    00:05.523  render           | Engine: Cycles                                              5.x (a)
    00:11.011  render           | Fra: 1 | Remaining: 00:46.55 | Mem: 1699M | Sample 80/128    5.x (a)
    02:19.739  render           | Saved: '/tmp/0001.png'                                      5.x
    02:19.739  render           | Time: 02:19.28 (Saving: 00:00.31)                           5.x (a)
    Error: Render error (File exists) cannot save: '/out/b50_0003.png'      a failed save

(a) only at log level `info` (`--log-level info`). At 5.x's default level the renderer prints
nothing but `Saved: '<path>'` per frame, and Workbench prints no `Fra:` lines at any level.
Anything else (warnings, EGL and denoiser errors, Python tracebacks) is noise and ignored.

A frame with no progress lines is numbered from its file name: the last run of digits in the
file's stem, where Blender's `####` puts the frame number (`b50_0001.png`, `sh050_0001_L.exr`).
A `Saved:` whose name has no digits and that no frame in progress claims names no frame: it is
skipped. Its `render_seconds`, when no `Time:` line gives Blender's own figure, come from the
5.x logger's clock (`MM:SS.mmm`, wall time since Blender started): from the previous frame's
save (for the first frame: `Read blend:`, else Blender's start) to this frame's last `Saved:`.
That is all the wall time Blender spent on the frame: scene update, render, compositing and
saving, and for the first frame what followed loading the .blend (with no `Read blend:` in the
log, Blender's start-up too); the log cannot split these apart, nor tell whether the machine was
busy with something else meanwhile. 3.x and 4.x lines carry no clock, so such a frame there has
no seconds unless a `Time:` line follows.

A frame that started but was never saved is a failed frame. A frame counts as started when the
log names it: `Fra: N` progress lines, a 5.x `Rendering frame N` line, or Blender's `Render error
(...) cannot save: '<path>'` report (rendered but not written; numbered from its path). At 5.x's
default level nothing is printed when a frame starts, so a render killed mid-frame ends its log
on the previous `Saved:` exactly as a finished render does: no failed frame is made up for it
(neither that a frame was under way nor its number is in the log). A failed frame's seconds run
from its start (or the previous save) to the last time the log shows while it was open (the
progress `| Time:` in 3.x/4.x, the logger's clock in 5.x): a lower bound.

Speed: a log is read in large binary chunks and never split into Python lines on the common
path. Only the rare per-frame lines (`Saved:`, `Time:`, the header, ...) are found one by one,
with `bytes.find`; the thousands of progress lines between two of them are summarised with
whole-region C calls (`count`, `rfind`, one `findall` for the `Peak` values).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath

_CHUNK_BYTES = 8 * 1024 * 1024
_LINE_BATCH_BYTES = 4 * 1024 * 1024
_UNIT_MIB = {b"K": 1 / 1024, b"M": 1.0, b"G": 1024.0, b"T": 1024.0 * 1024.0, b"": 1 / (1024 * 1024)}


# The 5.x logger prefix: process clock, category, bar (`00:01.501  render           | `).
_PREFIX = re.compile(rb"((?:\d+:)?\d+:\d+\.\d+) +[\w.]+ +\| ?")
_CLOCK = rb"(?:\d+:)?\d+:\d+(?:\.\d+)?"
_FRAME_TIME = re.compile(rb" ?Time: ?(" + _CLOCK + rb")(?: \(Saving: ?(" + _CLOCK + rb")\))?")
_SAVED = re.compile(rb"Saved: ?'?(.*?)'?\s*$")
_HEADER = re.compile(rb"Blender (\d+\.\d+(?:\.\d+)?)\b")
_RENDERING_FRAME = re.compile(rb"Rendering frame (\d+)\s*$")
_ENGINE = re.compile(rb"Engine: (\S.*?)\s*$")
# Blender's own engines, the ones raw.render_logs accepts (quality/raw/render_logs.json); an
# add-on's engine is left unknown rather than have its frames quarantined.
_ENGINES = {b"cycles": "cycles", b"eevee": "eevee", b"workbench": "workbench"}
_READ_BLEND = re.compile(rb"Read blend: ")
_CANNOT_SAVE = re.compile(rb"(?:Error: |ERROR )?Render error \(.*\) cannot save: '?(.*?)'?\s*$")
_STEM_FRAME = re.compile(r"(\d+)\D*$")
_CUT_PATH = re.compile(rb"(?:Saved|cannot save): ?'[^']*$")  # a quoted path without its closing quote
_FRA = re.compile(rb"Fra: ?(\d+)")
_PEAK = re.compile(rb"Peak (\d+(?:\.\d+)?)([KMGT]?)")
# 5.x progress lines print only the current `Mem: 1699M`; its maximum stands in for the peak.
_MEM_5X = re.compile(rb"\| Mem: ?(\d+(?:\.\d+)?)([KMGT]?)")
_PROGRESS_TIME = re.compile(_CLOCK)
_CYCLES_SAMPLE = re.compile(rb"Sample (\d+)/(\d+)")
_EEVEE_SAMPLE = re.compile(rb"Rendering (\d+) / (\d+) samples")
# Progress messages only one engine prints, for frames that end before any sample line.
_CYCLES_HINTS = (b"Synchronizing object", b"Loading render kernels", b"Path Tracing")
_EEVEE_HINTS = (b"| Syncing ", b"Shaders compiled")

# The per-frame lines, found one by one: the token each is found by, and how its line reads
# (after the 5.x prefix, if any). Lines only 5.x prints must carry the prefix.
_SAVED_LINE, _TIME_LINE, _HEADER_LINE, _RENDERING_LINE, _ENGINE_LINE, _READ_LINE, _CANNOT_LINE = range(7)
_TOKENS = (b"Saved: ", b"Time: ", b"Blender ", b"Rendering frame ", b"Engine: ", b"Read blend: ", b"cannot save: ")
_LINES = (_SAVED, _FRAME_TIME, _HEADER, _RENDERING_FRAME, _ENGINE, _READ_BLEND, _CANNOT_SAVE)
_NEEDS_PREFIX = (False, False, False, True, True, False, False)
# Only 5.x logs need the tokens from `_FIVE_FROM` on (a 3.x/4.x frame that cannot be saved has
# already failed: its `Fra:` lines opened it and no `Saved:` follows), so rather than have every
# log searched for each, they are looked for from the first 5.x logger prefix on: the categories
# of the lines above, `render` and `blend`, are padded with this run of spaces before the bar.
_FIVE_FROM = _RENDERING_LINE
_FIVE_PROBE = b"           | "


@dataclass(frozen=True)
class LogName:
    """Who rendered what, from `<film_id>__<shot>__<worker>__<job_id>.log`."""

    film_id: str
    shot: str
    worker: str
    job_id: str


@dataclass(frozen=True)
class FrameRecord:
    """One frame of a render log; `status` is `rendered` when Blender saved it, else `failed`."""

    frame: int
    status: str
    render_seconds: float | None
    saving_seconds: float | None
    peak_memory_mib: float | None
    samples_done: int | None
    samples_total: int | None
    output_path: str | None
    engine: str | None
    blender_version: str | None
    first_line: int
    last_line: int


def parse_log_name(name: str) -> LogName:
    """Film, shot, worker and job from a log's file name (a path is reduced to its name)."""
    base = Path(name).name
    parts = base.removesuffix(".log").split("__") if base.endswith(".log") else []
    if len(parts) != 4 or any(not part.strip() or part.startswith("_") or part.endswith("_") for part in parts):
        raise ValueError(
            f"render log name {base!r} is not <film_id>__<shot>__<worker>__<job_id>.log "
            "(four non-empty parts joined by double underscores)"
        )
    film_id, shot, worker, job_id = parts
    return LogName(film_id=film_id, shot=shot, worker=worker, job_id=job_id)


def parse_file(path: Path) -> Iterator[FrameRecord]:
    """Frames of one log file, read in binary chunks (memory stays flat however big the log)."""
    parser = _Parser()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            yield from parser.feed(chunk)
    yield from parser.finish()


def parse_lines(lines: Iterable[str]) -> Iterator[FrameRecord]:
    """Frames of a log given as lines (with or without their line ends), in order, streaming."""
    parser = _Parser()
    batch: list[str] = []
    size = 0
    for line in lines:
        batch.append(line if line.endswith("\n") else line + "\n")
        size += len(line)
        if size >= _LINE_BATCH_BYTES:
            yield from parser.feed("".join(batch).encode("utf-8", "replace"))
            batch, size = [], 0
    if batch:
        yield from parser.feed("".join(batch).encode("utf-8", "replace"))
    yield from parser.finish()


def _seconds(clock: bytes) -> float:
    """`MM:SS.hh` or `HH:MM:SS.hh` as seconds."""
    seconds = 0.0
    for part in clock.split(b":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _mib(value: bytes, unit: bytes) -> float:
    return float(value) * _UNIT_MIB[unit]


def _path_frame(path: str) -> int | None:
    """The frame number Blender's `####` wrote into a file name: the stem's last run of digits."""
    match = _STEM_FRAME.search(PurePath(path).stem)
    return int(match[1]) if match is not None else None


class _Frame:
    """What is known so far about the frame being rendered."""

    __slots__ = (
        "by_save",
        "engine",
        "first_line",
        "frame",
        "last_clock",
        "last_line",
        "mem_5x",
        "output_path",
        "peak",
        "progress_seconds",
        "samples",
        "save_failed",
        "saved_clock",
        "start_clock",
        "version",
    )

    def __init__(self, frame: int, first_line: int, version: str | None, start_clock: float | None) -> None:
        self.frame = frame
        self.first_line = first_line
        self.last_line = first_line
        self.version = version
        self.peak: float | None = None
        self.mem_5x: float | None = None
        self.progress_seconds: float | None = None
        # 5.x logger clock: when the frame's time starts, the last time seen, its (last) save.
        self.start_clock = start_clock
        self.last_clock = start_clock
        self.saved_clock: float | None = None
        self.samples: tuple[int, int] | None = None
        self.engine: str | None = None
        self.output_path: str | None = None
        self.save_failed = False
        self.by_save = False  # known only from its own `Saved:` (or `cannot save:`) line

    def record(self, render_seconds: float | None = None, saving_seconds: float | None = None) -> FrameRecord:
        rendered = self.output_path is not None and not self.save_failed
        if render_seconds is None:
            render_seconds = self.progress_seconds
        if render_seconds is None and self.start_clock is not None:
            # No `Time:`: the logger's clock says how long, up to the save (or, for a failed
            # frame, the last line the log shows of it).
            end = self.saved_clock if rendered else self.last_clock
            if end is not None and end >= self.start_clock:
                render_seconds = round(end - self.start_clock, 3)
        return FrameRecord(
            frame=self.frame,
            status="rendered" if rendered else "failed",
            render_seconds=render_seconds,
            saving_seconds=saving_seconds,
            peak_memory_mib=self.peak if self.peak is not None else self.mem_5x,
            samples_done=self.samples[0] if self.samples else None,
            samples_total=self.samples[1] if self.samples else None,
            output_path=self.output_path,
            engine=self.engine,
            blender_version=self.version,
            first_line=self.first_line,
            last_line=self.last_line,
        )


class _Parser:
    """Incremental parser: `feed` it byte chunks cut anywhere, then `finish`."""

    def __init__(self) -> None:
        self.tail = b""
        self.lines_before = 0  # lines in all bytes before the current buffer
        self.version: str | None = None
        self.frame: _Frame | None = None
        self.out: list[FrameRecord] = []
        # The 5.x logger clock: whether the log has shown it, its latest value, and where the
        # next frame with no start line of its own starts (the last save; zero is Blender's start).
        self.five = False  # a 5.x logger prefix was seen: look for the 5.x-only lines too
        self.clocked = False
        self.seen_clock: float | None = None
        self.since = 0.0
        # Line counting inside the current buffer, always moving forward.
        self.buf = b""
        self.count_pos = 0
        self.count_line = 1

    def feed(self, chunk: bytes) -> list[FrameRecord]:
        cut = chunk.rfind(b"\n")
        if cut < 0:
            self.tail += chunk
            return []
        buf = self.tail + chunk[: cut + 1]
        self.tail = chunk[cut + 1 :]
        return self._buffer(buf)

    def finish(self) -> list[FrameRecord]:
        # The last line, when the log does not end with a newline, may have been cut while it
        # was written (a killed render, a copy taken too early). A path cut before its closing
        # quote is no file name: its digits are not the frame's number (`b50` of `b50_0002.png`),
        # so such a `Saved:` or `cannot save:` line is not read (its frame, if open, failed).
        tail = b"" if _CUT_PATH.search(self.tail) else self.tail
        out = self._buffer(tail + b"\n") if tail else []
        self.tail = b""
        if self.frame is not None:
            out.append(self.frame.record())
            self.frame = None
        return out

    def _line_no(self, pos: int) -> int:
        self.count_line += self.buf.count(b"\n", self.count_pos, pos)
        self.count_pos = pos
        return self.count_line

    def _buffer(self, buf: bytes) -> list[FrameRecord]:
        """Parse a buffer of whole lines: special lines one by one, progress by region."""
        self.buf, self.count_pos, self.count_line = buf, 0, self.lines_before + 1
        self.out = []
        find = buf.find
        if not self.five and (five_at := find(_FIVE_PROBE)) >= 0:
            self.five = True
        else:
            five_at = 0 if self.five else -1
        tokens = _TOKENS if five_at >= 0 else _TOKENS[:_FIVE_FROM]
        nexts = [find(token, 0 if which < _FIVE_FROM else five_at) for which, token in enumerate(tokens)]
        region_start = 0
        while True:
            live = [pos for pos in nexts if pos >= 0]
            if not live:
                break
            pos = min(live)
            which = nexts.index(pos)
            line_start = buf.rfind(b"\n", 0, pos) + 1
            line_end = find(b"\n", pos)
            special = self._special(which, line_start, line_end) if line_start >= region_start else None
            if special is not None:
                self._region(region_start, line_start)
                match, clock = special
                if clock is not None:
                    self.clocked = True
                    self.seen_clock = clock
                self._apply(which, match, line_start, clock)
                region_start = line_end + 1
            nexts[which] = find(tokens[which], pos + 1)
        self._region(region_start, len(buf))
        self.lines_before = self._line_no(len(buf)) - 1
        return self.out

    def _special(self, which: int, line_start: int, line_end: int) -> tuple[re.Match[bytes], float | None] | None:
        """A per-frame line's match and 5.x clock, or None when the token sits in another line."""
        buf = self.buf
        if which == _HEADER_LINE:
            match = _HEADER.match(buf, line_start, line_end)
            return None if match is None else (match, None)
        body, clock = line_start, None
        prefix = _PREFIX.match(buf, line_start, line_end)
        if prefix is not None:
            body, clock = prefix.end(), _seconds(prefix[1])
        elif _NEEDS_PREFIX[which]:
            return None
        match = _LINES[which].match(buf, body, line_end)
        return None if match is None else (match, clock)

    def _close(self) -> None:
        if self.frame is not None:
            self.out.append(self.frame.record())
            self.frame = None

    def _open(self, number: int, line_start: int, start_clock: float | None) -> _Frame:
        self._close()
        frame = self.frame = _Frame(number, self._line_no(line_start), self.version, start_clock)
        return frame

    def _apply(self, which: int, match: re.Match[bytes], line_start: int, clock: float | None) -> None:
        if which == _HEADER_LINE:  # Blender started (again): an open frame never finished.
            self._close()
            self.version = match[1].decode()
            self.since, self.seen_clock = 0.0, None  # a new process: its clock starts at zero
        elif which == _SAVED_LINE:
            self._saved(match[1].decode("utf-8", "replace"), line_start, clock)
        elif which == _TIME_LINE:
            # A `Time:` before any frame line has no frame number to belong to.
            if self.frame is not None:
                self.frame.last_line = self._line_no(line_start)
                saving = match[2]
                self.out.append(self.frame.record(_seconds(match[1]), _seconds(saving) if saving else None))
                self.frame = None
            if clock is not None:
                self.since = clock
        elif which == _RENDERING_LINE:
            self._open(int(match[1]), line_start, clock)
        elif which == _ENGINE_LINE:
            if self.frame is not None and self.frame.output_path is None:
                self.frame.engine = _ENGINES.get(match[1].lower())
                self.frame.last_line = self._line_no(line_start)
        elif which == _READ_LINE:
            if clock is not None:  # loading done: the render starts here, not at Blender's start
                self.since = clock
        else:
            self._save_failed(match[1].decode("utf-8", "replace"), line_start)

    def _saved(self, path: str, line_start: int, clock: float | None) -> None:
        """A file written: the frame in progress's, another view of the last one, or a new frame."""
        frame = self.frame
        # A frame with a start line of its own keeps every file until its `Time:` (stereo and
        # multi-view renders save several per frame); one known only from its files ends where
        # a file of another frame is saved.
        number = _path_frame(path) if frame is None or frame.by_save else None
        if frame is None or (number is not None and number != frame.frame):
            if number is None:
                return
            if clock is not None and clock < self.since:
                self.since = 0.0  # the clock went back: a new process (the bpy module prints no header)
            frame = self._open(number, line_start, self.since if clock is not None else None)
            frame.by_save = True
        if frame.output_path is None:
            frame.output_path = path
        frame.last_line = self._line_no(line_start)
        if clock is not None:
            frame.saved_clock = frame.last_clock = self.since = clock

    def _save_failed(self, path: str, line_start: int) -> None:
        """Blender rendered a frame but could not write it: that frame failed."""
        frame = self.frame
        number = _path_frame(path) if frame is None or frame.by_save else None
        if frame is None or (number is not None and number != frame.frame):
            if number is None:
                return
            frame = self._open(number, line_start, self.since if self.clocked else None)
            frame.by_save = True
        frame.save_failed = True
        frame.last_line = self._line_no(line_start)
        if self.seen_clock is not None:
            frame.last_clock = self.seen_clock

    def _region(self, start: int, end: int) -> None:
        """Progress lines (and noise) between two per-frame lines."""
        self._progress(start, end)
        if self.clocked and start < end:
            clock = self._last_clock(start, end)
            if clock is not None:
                self.seen_clock = clock
                if self.frame is not None:
                    self.frame.last_clock = clock

    def _progress(self, start: int, end: int) -> None:
        buf = self.buf
        first = buf.find(b"Fra:", start, end)
        if first < 0:
            return
        first_match = _FRA.match(buf, first)
        last_match = _FRA.match(buf, buf.rfind(b"Fra:", start, end))
        if first_match is None or last_match is None:
            return
        number = int(first_match[1])
        # Frame numbers only move forward within one run, so equal ends mean one frame.
        if int(last_match[1]) == number:
            self._frame_region(number, first, end)
            return
        # Rare: a frame that failed without a `Saved:` runs straight into the next one.
        line_start = buf.rfind(b"\n", 0, first) + 1
        sub_start, sub_number = line_start, number
        while line_start < end:
            line_end = buf.find(b"\n", line_start, end)
            line_end = end if line_end < 0 else line_end + 1
            fra = buf.find(b"Fra:", line_start, line_end)
            if fra >= 0:
                match = _FRA.match(buf, fra)
                if match is not None and int(match[1]) != sub_number:
                    self._frame_region(sub_number, sub_start, line_start)
                    sub_start, sub_number = line_start, int(match[1])
            line_start = line_end
        self._frame_region(sub_number, sub_start, end)

    def _frame_region(self, number: int, start: int, end: int) -> None:
        """Progress lines of one frame: fold them into the open frame (opening it if needed)."""
        buf = self.buf
        first = buf.find(b"Fra:", start, end)
        if first < 0:
            return
        frame = self.frame
        if frame is None or frame.frame != number:
            frame = self._open(number, first, self._clock_at(first))
        last = buf.rfind(b"Fra:", start, end)
        frame.last_line = self._line_no(last)
        last_clock = self._clock_at(last)
        if last_clock is not None:
            self.clocked = True
            frame.last_clock = last_clock

        peak_at = buf.rfind(b"(Peak ", start, end)
        if peak_at < 0:
            peak_at = buf.rfind(b" Peak ", start, end)  # 2.x: `Mem:12.32M (0.00M, Peak 14.83M)`
        close = buf.find(b")", peak_at, end) if peak_at >= 0 else -1
        if close >= 0:
            token = buf[peak_at + 1 : close + 1]
            if buf.count(token, start, end) == buf.count(b"Peak ", start, end):
                # One value all along, the usual case once a render settles: no per-line work.
                match = _PEAK.match(token)
                peak = _mib(match[1], match[2]) if match is not None else None
            else:
                peak = max(_mib(value, unit) for value, unit in set(_PEAK.findall(buf, start, end)))
            if peak is not None:
                frame.peak = peak if frame.peak is None else max(frame.peak, peak)
        elif frame.peak is None:
            mems = _MEM_5X.findall(buf, start, end)
            if mems:
                mem = max(_mib(value, unit) for value, unit in set(mems))
                frame.mem_5x = mem if frame.mem_5x is None else max(frame.mem_5x, mem)

        time_at = buf.rfind(b"| Time:", start, end)
        if time_at >= 0:
            match = _PROGRESS_TIME.match(buf, time_at + 7)
            if match is not None:
                frame.progress_seconds = _seconds(match[0])

        cycles_at = buf.rfind(b"Sample ", start, end)
        eevee_at = buf.rfind(b" samples", start, end)
        if cycles_at > eevee_at:
            match = _CYCLES_SAMPLE.match(buf, cycles_at)
            if match is not None:
                frame.samples = (int(match[1]), int(match[2]))
                frame.engine = "cycles"
        elif eevee_at >= 0:
            line_start = buf.rfind(b"\n", start, eevee_at) + 1
            match = _EEVEE_SAMPLE.search(buf, max(line_start, start), eevee_at + 8)
            if match is not None:
                frame.samples = (int(match[1]), int(match[2]))
                frame.engine = "eevee"
        if frame.engine is None:
            if any(buf.find(hint, start, end) >= 0 for hint in _CYCLES_HINTS):
                frame.engine = "cycles"
            elif any(buf.find(hint, start, end) >= 0 for hint in _EEVEE_HINTS):
                frame.engine = "eevee"

    def _clock_at(self, fra: int) -> float | None:
        """The 5.x logger clock at the start of the line holding `fra`, if it has one."""
        line_start = self.buf.rfind(b"\n", 0, fra) + 1
        if line_start == fra or not self.buf[line_start : line_start + 1].isdigit():
            return None
        match = _PREFIX.match(self.buf, line_start, fra)
        return _seconds(match[1]) if match is not None else None

    def _last_clock(self, start: int, end: int) -> float | None:
        """The 5.x logger clock of the region's last stamped line (walking back over noise)."""
        buf = self.buf
        pos = end
        while pos > start:
            line_start = max(buf.rfind(b"\n", start, pos - 1) + 1, start)
            if buf[line_start : line_start + 1].isdigit():
                match = _PREFIX.match(buf, line_start, pos)
                if match is not None:
                    return _seconds(match[1])
            pos = line_start
        return None
