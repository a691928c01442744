"""A render farm's week of sample telemetry for `backlot demo`, written into the landing zone.

`seed_render(landing_dir)` writes, for five of the demo films (three indie films rendered on
an own RTX 4090 farm, two studio films on rented H100s):

- `render_events/farm_events_part{1,2,3}.jsonl` - the farm manager's events for every frame
  (`frame_started`, then `frame_finished`, or `frame_failed` followed by a retry on another
  worker), split across three files in shuffled order, with a few events resent in a later
  file (they must load once). Some events carry `usd_per_hour` (the indie farm's own cost),
  some no `gpu_model` (the rate then comes from what nvidia-smi reported for the worker).
- `render_logs/<film>__<shot>__<worker>__<job>.log` - Blender 3.4.1 Cycles logs in the
  exact shape of the real capture in shared/fixtures: a clean job, and one killed mid-frame
  (a failed frame).
- `gpu_metrics/<worker>__<day>.csv` - nvidia-smi samples every five minutes while each worker
  was busy, with units on some workers and `nounits` with another column order on others.

Deterministic for a given seed and scale: the same call writes byte-identical files.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines.sample_data import land

WEEK_START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Farm:
    workers: tuple[str, ...]
    gpu_name: str
    usd_per_hour: float | None  # an own farm knows its hourly cost; a cloud farm uses the rate card
    resolution: tuple[int, int]
    samples: int
    seconds_per_frame: float
    failure_rate: float


INDIE_FARM = Farm(
    ("rtx-node-01", "rtx-node-02", "rtx-node-03", "rtx-node-04"),
    "NVIDIA GeForce RTX 4090",
    0.69,
    (3840, 2160),
    256,
    95.0,
    0.06,
)
STUDIO_FARM = Farm(("h100-cloud-01", "h100-cloud-02"), "NVIDIA H100 80GB HBM3", None, (4096, 1716), 1024, 140.0, 0.1)
FILMS = (
    ("level-zero-2026", INDIE_FARM),
    ("cloudbreak-2026", INDIE_FARM),
    ("glasswing-2026", INDIE_FARM),
    ("starfall-legacy-2026", STUDIO_FARM),
    ("mister-marmalade-2026", STUDIO_FARM),
)


def seed_render(landing_dir: Path, *, scale: int = 1, seed: int = 7) -> list[Path]:
    """Write the farm's events, two Blender logs and nvidia-smi samples; return the paths written."""
    rng = random.Random(f"render-{seed}")
    events: list[dict[str, object]] = []
    busy: dict[str, list[datetime]] = {}
    for film_index, (film_id, farm) in enumerate(FILMS):
        clock = WEEK_START + timedelta(hours=film_index * 20)
        for shot_index in range(3):
            shot, job_id = f"sh{(shot_index + 1) * 10:03d}", f"{film_id[:4]}-{film_index}{shot_index}"
            clock = _job(
                events, busy, rng, farm, film_id=film_id, shot=shot, job_id=job_id, start=clock, frames=30 * scale
            )
    written = _write_events(landing_dir / "render_events", events, rng)
    written += _write_logs(landing_dir / "render_logs")
    written += _write_gpu_metrics(landing_dir / "gpu_metrics", busy, rng)
    return written


def _job(
    events: list[dict[str, object]],
    busy: dict[str, list[datetime]],
    rng: random.Random,
    farm: Farm,
    *,
    film_id: str,
    shot: str,
    job_id: str,
    start: datetime,
    frames: int,
) -> datetime:
    counter = iter(range(1, 1_000_000))

    def emit(event_type: str, ts: datetime, **fields: object) -> None:
        events.append(
            {
                "event_id": f"{job_id}-{next(counter):05d}",
                "event_type": event_type,
                "ts": _iso(ts),
                "job_id": job_id,
                "film_id": film_id,
                "shot": shot,
                **fields,
            }
        )

    emit("job_submitted", start, worker=None, gpu_model=None)
    clocks = {worker: start + timedelta(seconds=5) for worker in farm.workers}
    for frame in range(101, 101 + frames):
        worker = min(clocks, key=lambda w: (clocks[w], w))
        for attempt in range(3):
            ts = clocks[worker]
            # Every third worker's events omit the GPU model: the rate comes from nvidia-smi.
            gpu = None if farm.workers.index(worker) % 3 == 2 else farm.gpu_name
            common: dict[str, object] = {"frame": frame, "worker": worker, "gpu_model": gpu}
            if farm.usd_per_hour is not None:
                common["usd_per_hour"] = farm.usd_per_hour
            emit("frame_started", ts, **common)
            seconds = round(rng.gauss(farm.seconds_per_frame, farm.seconds_per_frame * 0.15), 1)
            busy.setdefault(worker, []).extend([ts, ts + timedelta(seconds=seconds)])
            if attempt < 2 and rng.random() < farm.failure_rate:
                spent = round(seconds * rng.uniform(0.2, 0.8), 1)
                emit(
                    "frame_failed",
                    ts + timedelta(seconds=spent),
                    **common,
                    render_seconds=spent,
                    error="Out of memory in CUDA queue enqueue (integrator_shade_surface)",
                )
                clocks[worker] = ts + timedelta(seconds=spent + 3)
                worker = min((w for w in clocks if w != worker), key=lambda w: (clocks[w], w))
                continue
            width, height = farm.resolution
            emit(
                "frame_finished",
                ts + timedelta(seconds=seconds),
                **common,
                render_seconds=seconds,
                samples=farm.samples,
                resolution_x=width,
                resolution_y=height,
                peak_memory_mb=round(rng.uniform(9000, 21000)),
            )
            clocks[worker] = ts + timedelta(seconds=seconds + 2)
            break
    end = max(clocks.values()) + timedelta(seconds=10)
    emit("job_finished", end, worker=None, gpu_model=None)
    return end + timedelta(minutes=30)


def _write_events(folder: Path, events: list[dict[str, object]], rng: random.Random) -> list[Path]:
    shuffled = events[:]
    rng.shuffle(shuffled)  # farm managers flush out of order
    third = len(shuffled) // 3
    parts = [shuffled[:third], shuffled[third : 2 * third], shuffled[2 * third :]]
    parts[2] += rng.sample(parts[0], k=max(1, len(parts[0]) // 100))  # resent events: loaded once
    return [
        land(folder / f"farm_events_part{i}.jsonl", "".join(json.dumps(e) + "\n" for e in part))
        for i, part in enumerate(parts, 1)
    ]


def _frame_lines(frame: int, seconds: float, samples: int, *, saved: bool, path: str) -> list[str]:
    """The lines Blender 3.4.1 prints for one Cycles frame (see shared/fixtures/render/)."""
    peak = 28.68 + frame * 0.01
    lines = [
        f"Fra:{frame} Mem:9.35M (Peak {peak:.2f}M) | Time:00:00.00 | Mem:0.00M, Peak:0.00M | Scene, ViewLayer | "
        "Synchronizing object | Cube",
        f"Fra:{frame} Mem:10.21M (Peak {peak:.2f}M) | Time:00:00.10 | Mem:0.76M, Peak:0.76M | Scene, ViewLayer | "
        f"Sample 0/{samples}",
    ]
    steps = 8 if saved else 3
    for step in range(1, steps + 1):
        done = samples * step // 8
        elapsed = seconds * step / 8
        lines.append(
            f"Fra:{frame} Mem:18.13M (Peak {peak:.2f}M) | Time:{_clock(elapsed)} | "
            f"Remaining:{_clock(seconds - elapsed)} | Mem:8.67M, Peak:8.67M | Scene, ViewLayer | "
            f"Sample {done}/{samples}"
        )
    if saved:
        lines += [
            f"Fra:{frame} Mem:21.65M (Peak {peak:.2f}M) | Time:{_clock(seconds)} | Mem:8.67M, Peak:8.67M | "
            "Scene, ViewLayer | Finished",
            f"Saved: '{path}'",
            f" Time: {_clock(seconds + 0.15)} (Saving: 00:00.15)",
            "",
        ]
    return lines


def _write_logs(folder: Path) -> list[Path]:
    clean = ["Blender 3.4.1"]
    for frame in range(1, 5):
        clean += _frame_lines(
            frame, 88.4 + frame, 256, saved=True, path=f"/mnt/renders/level-zero/sh200/{frame:04d}.png"
        )
    killed = ["Blender 3.4.1"]
    killed += _frame_lines(1, 91.2, 256, saved=True, path="/mnt/renders/level-zero/sh200/0005.png")
    killed += _frame_lines(2, 97.0, 256, saved=False, path="")  # the job was killed here
    return [
        land(folder / "level-zero-2026__sh200__rtx-node-02__lz-blender-01.log", "\n".join(clean) + "\n"),
        land(folder / "level-zero-2026__sh200__rtx-node-03__lz-blender-02.log", "\n".join(killed) + "\n"),
    ]


def _write_gpu_metrics(folder: Path, busy: dict[str, list[datetime]], rng: random.Random) -> list[Path]:
    written = []
    for index, worker in enumerate(sorted(busy)):
        start, end = min(busy[worker]), max(busy[worker])
        name = STUDIO_FARM.gpu_name if worker.startswith("h100") else INDIE_FARM.gpu_name
        with_units = index % 2 == 0
        if with_units:
            header = "timestamp, index, name, utilization.gpu [%], memory.used [MiB], power.draw [W]"
        else:  # csv,nounits with another column order
            header = "power.draw [W], utilization.gpu [%], timestamp, memory.used [MiB], name, index"
        rows = [header]
        ts = start
        while ts <= end:
            util, memory, power = rng.randint(88, 100), rng.randint(9000, 21000), round(rng.uniform(380, 450), 2)
            stamp = ts.strftime("%Y/%m/%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}"
            if with_units:
                rows.append(f"{stamp}, 0, {name}, {util} %, {memory} MiB, {power} W")
            else:
                rows.append(f"{power}, {util}, {stamp}, {memory}, {name}, 0")
            ts += timedelta(minutes=5)
        written.append(land(folder / f"{worker}__{start:%Y-%m-%d}.csv", "\n".join(rows) + "\n"))
    return written


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{int(hours):02d}:{int(minutes):02d}:{rest:05.2f}"
    return f"{int(minutes):02d}:{rest:05.2f}"


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")
