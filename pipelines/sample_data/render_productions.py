"""The productions the demo's two render farms work on, and the jobs each one submits.

Each film's whole render is in the farms' telemetry, so its render spend against its
budget is the real share:

- **Level Zero** (`indie_digital`, $4.5M), a found-footage horror film whose endless
  rooms are rendered in Blender: its 48 fully-CG long takes, about 40 minutes of the film
  (57,600 frames at 24 fps), rendered in Cycles at 4K UHD on the team's RTX 4090 farm,
  which grows from 16 to 32 nodes for the spring crunch. A 4K Cycles frame of its hazy,
  fluorescent-lit rooms takes 40 minutes on one 4090 on average (ten minutes in an empty
  corridor, well over an hour in a flooded office); the farm knows its own
  hourly cost ($0.69, what renting the same card costs). Some 40,000 GPU-hours and
  $28,000: about 0.6% of the budget.
- **Starfall Legacy** (`legacy_studio`, $210M), a space opera whose 48 fully-CG shots
  (space battles, a collapsing star: about 14 minutes, 20,000 frames at 4K DCI scope)
  are rendered on rented 8-GPU H100 cloud instances (spot capacity, so now and then a
  node is reclaimed mid-frame), priced by the rate card. A studio frame (simulations,
  volumes, every layer of the composite) takes three to four hours on one H100. Some
  83,000 GPU-hours and $250,000: about 0.1% of the budget, at about 25 times the indie
  film's cost per frame.
- **Glasswing** (`indie_digital`, $18M), a live-action fantasy with a dozen CG creature
  shots on the indie farm after Level Zero: next to nothing against its budget.

Shots are submitted on weekdays over months, closer together as picture lock nears, and
a few are rendered again weeks later after notes, so that spend over time has a shape and
a tail. `runtime_share` renders that share of every shot's frames (tests use a small farm).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipelines.sample_data.render_farm import FailureMode, Farm, Job

FPS = 24
FIRST_FRAME = 1001  # frame numbering as most pipelines start it, leaving room for handles

OUT_OF_MEMORY = FailureMode("Out of memory in CUDA queue enqueue (integrator_shade_surface)", 0.035, 20.0)
SPOT_RECLAIMED = FailureMode("Worker lost: spot instance reclaimed by the provider (node drained)", 0.03, 900.0)
STUDIO_OUT_OF_MEMORY = FailureMode("CUDA error: out of memory (texture cache exceeded device memory)", 0.02, 60.0)


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


INDIE_FARM = Farm(
    name="rtx-farm",
    worker_prefix="rtx-node",
    gpu_name="NVIDIA GeForce RTX 4090",
    gpus_per_worker=1,
    usd_per_hour=0.69,
    growth=((_utc(2026, 1, 5), 16), (_utc(2026, 3, 16), 32)),
    failure_modes=(OUT_OF_MEMORY,),
    peak_memory_mb=(9_000, 23_500),
    power_w=(380.0, 450.0),
    sample_minutes=60,
)
STUDIO_FARM = Farm(
    name="h100-cloud",
    worker_prefix="h100-cloud",
    gpu_name="NVIDIA H100 80GB HBM3",
    gpus_per_worker=8,
    usd_per_hour=None,
    growth=((_utc(2026, 2, 2), 4), (_utc(2026, 4, 6), 12)),
    failure_modes=(SPOT_RECLAIMED, STUDIO_OUT_OF_MEMORY),
    peak_memory_mb=(31_000, 78_000),
    power_w=(560.0, 690.0),
    sample_minutes=60,
)


@dataclass(frozen=True)
class Production:
    """A film's render: how many frames in how many shots, on which farm, submitted when."""

    film_id: str
    job_prefix: str
    farm: Farm
    frames: int  # the film's frames, or its effects shots' frames
    shots: int
    seconds_per_frame: float  # the median shot's typical frame on the farm's GPU
    resolution: tuple[int, int]
    samples: int
    first_submission: datetime
    last_submission: datetime
    rerendered_shots: int  # shots rendered again after notes


PRODUCTIONS = (
    Production(
        "level-zero-2026", "lz", INDIE_FARM, frames=40 * 60 * FPS, shots=48, seconds_per_frame=1_800.0,
        resolution=(3840, 2160), samples=1024, first_submission=_utc(2026, 1, 12),
        last_submission=_utc(2026, 4, 24), rerendered_shots=4,
    ),
    Production(
        "starfall-legacy-2026", "sf", STUDIO_FARM, frames=20_000, shots=48, seconds_per_frame=13_000.0,
        resolution=(4096, 1716), samples=4096, first_submission=_utc(2026, 2, 2),
        last_submission=_utc(2026, 5, 1), rerendered_shots=4,
    ),
    Production(
        "glasswing-2026", "gw", INDIE_FARM, frames=2_400, shots=12, seconds_per_frame=1_100.0,
        resolution=(3840, 2160), samples=512, first_submission=_utc(2026, 5, 25),
        last_submission=_utc(2026, 6, 19), rerendered_shots=1,
    ),
)  # fmt: skip


def jobs(production: Production, rng: random.Random, runtime_share: float = 1.0) -> list[Job]:
    """The production's render jobs: one per shot, plus the shots rendered again after notes."""
    lengths = _shot_lengths(production.frames, production.shots, rng)
    first: list[Job] = []
    for number, length in enumerate(lengths):
        # Shots differ: an empty corridor renders in minutes, a flooded office in an hour.
        complexity = min(3.0, max(0.35, rng.lognormvariate(0.0, 0.45)))
        first.append(
            Job(
                job_id=f"{production.job_prefix}-{number + 1:03d}",
                film_id=production.film_id,
                shot=f"sh{(number + 1) * 10:03d}",
                first_frame=FIRST_FRAME,
                frames=max(2, round(length * runtime_share)),
                submitted_at=_submission(production, number, rng),
                seconds_per_frame=production.seconds_per_frame * complexity,
                resolution=production.resolution,
                samples=production.samples,
            )
        )
    # Notes come back a few weeks after a shot's first render, and rarely on the last shots.
    noted = rng.sample(first[: max(1, len(first) * 3 // 4)], k=production.rerendered_shots)
    again = [
        Job(
            job_id=f"{job.job_id}-v2",
            film_id=job.film_id,
            shot=job.shot,
            first_frame=job.first_frame,
            frames=job.frames,
            submitted_at=_weekday(job.submitted_at + rng.uniform(14, 35) * 86_400, rng),
            seconds_per_frame=job.seconds_per_frame * rng.uniform(0.9, 1.2),
            resolution=job.resolution,
            samples=job.samples,
        )
        for job in sorted(noted, key=lambda j: j.job_id)
    ]
    return first + again


def _shot_lengths(frames: int, shots: int, rng: random.Random) -> list[int]:
    """Split the frames into shots of uneven length that add up exactly."""
    weights = [rng.lognormvariate(0.0, 0.6) for _ in range(shots)]
    total = sum(weights)
    lengths = [max(24, math.floor(frames * weight / total)) for weight in weights]
    lengths[max(range(shots), key=lengths.__getitem__)] += frames - sum(lengths)
    return lengths


def _submission(production: Production, number: int, rng: random.Random) -> float:
    """When shot `number` was submitted: spread over the window, closer together towards the end."""
    start, end = production.first_submission.timestamp(), production.last_submission.timestamp()
    progress = (number / max(1, production.shots - 1)) ** 0.7
    return _weekday(start + (end - start) * progress, rng)


def _weekday(moment: float, rng: random.Random) -> float:
    """The same moment moved to a weekday's working hours (UTC), when artists submit."""
    day = datetime.fromtimestamp(moment, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return round(day.timestamp() + rng.uniform(9.5, 19.0) * 3600)
