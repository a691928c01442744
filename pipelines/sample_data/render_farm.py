"""A render farm, simulated: which GPU rendered each frame attempt of each job, when, and for how long.

The farm hands each frame to the GPU that frees up first (first come, first served, as
Flamenco and Deadline do), never before its job was submitted nor before the GPU's node
joined the farm, so a farm that grows during production and shots submitted week by week
give the render a shape over time. An attempt fails now and then (out of GPU memory, a
spot instance reclaimed); the frame is then retried on another node, and a third attempt
always renders.

Times are seconds since the Unix epoch (floats): hundreds of thousands of attempts are
scheduled, and datetime arithmetic would dominate the run time.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True)
class FailureMode:
    """A way an attempt fails: its error, how often per attempt, and how long the GPU is out afterwards."""

    error: str
    probability: float
    recovery_seconds: float


@dataclass(frozen=True)
class Farm:
    """A pool of render nodes, each with one or more GPUs of one model."""

    name: str  # names the farm manager's event files
    worker_prefix: str
    gpu_name: str
    gpus_per_worker: int
    usd_per_hour: float | None  # an own farm knows its hourly cost; a cloud farm uses the rate card
    growth: tuple[tuple[datetime, int], ...]  # (from, workers online): farms grow during production
    failure_modes: tuple[FailureMode, ...]
    peak_memory_mb: tuple[int, int]
    power_w: tuple[float, float]  # power.draw of a busy GPU
    sample_minutes: int  # nvidia-smi's logging interval while a node renders

    @property
    def workers(self) -> tuple[str, ...]:
        return tuple(f"{self.worker_prefix}-{n:02d}" for n in range(1, max(count for _, count in self.growth) + 1))

    def online_at(self, worker_number: int) -> float:
        """When the node joined the farm (worker_number counts from 0)."""
        return min(start.timestamp() for start, count in self.growth if worker_number < count)


@dataclass(frozen=True)
class Job:
    """One render job: a shot's frames, submitted at once."""

    job_id: str
    film_id: str
    shot: str
    first_frame: int
    frames: int
    submitted_at: float
    seconds_per_frame: float  # the shot's typical frame on this farm's GPU
    resolution: tuple[int, int]
    samples: int


class Attempt(NamedTuple):
    """One try at rendering one frame: rendered unless `error` is set (a tuple: there are hundreds of thousands)."""

    job: Job
    frame: int
    worker: str
    gpu_index: int
    started_at: float
    seconds: float
    error: str | None
    peak_memory_mb: int

    @property
    def ended_at(self) -> float:
        return self.started_at + self.seconds


DISPATCH_SECONDS = 5.0  # the farm manager's round trip before a GPU starts a frame
LOAD_SECONDS = 2.0  # loading the next frame once a GPU is free


def schedule(farm: Farm, jobs: list[Job], rng: random.Random) -> list[Attempt]:
    """Every attempt of `jobs` on `farm`, jobs taken in order of submission."""
    workers = farm.workers
    # (free from, worker number, GPU index): the heap's smallest is the GPU that frees up first.
    gpus = [
        (farm.online_at(number), number, index)
        for number in range(len(workers))
        for index in range(farm.gpus_per_worker)
    ]
    heapq.heapify(gpus)
    attempts: list[Attempt] = []
    failure_odds = sum(mode.probability for mode in farm.failure_modes)
    memory_low, memory_high = farm.peak_memory_mb
    for job in sorted(jobs, key=lambda j: (j.submitted_at, j.job_id)):
        ready = job.submitted_at + DISPATCH_SECONDS
        for frame in range(job.first_frame, job.first_frame + job.frames):
            seconds = round(job.seconds_per_frame * max(0.5, rng.gauss(1.0, 0.1)), 1)
            avoid = -1
            for attempt in range(3):
                free_at, number, index = _next_gpu(gpus, avoid)
                start = round(max(free_at, ready))
                memory = memory_low + int(rng.random() * (memory_high - memory_low))
                if attempt < 2 and rng.random() < failure_odds:
                    mode = _failure(farm.failure_modes, rng)
                    spent = round(seconds * rng.uniform(0.2, 0.85), 1)
                    attempts.append(Attempt(job, frame, workers[number], index, start, spent, mode.error, memory))
                    heapq.heappush(gpus, (start + spent + mode.recovery_seconds, number, index))
                    avoid = number  # a frame that failed is retried on another node
                    continue
                attempts.append(Attempt(job, frame, workers[number], index, start, seconds, None, memory))
                heapq.heappush(gpus, (start + seconds + LOAD_SECONDS, number, index))
                break
    return attempts


def _next_gpu(gpus: list[tuple[float, int, int]], avoid: int) -> tuple[float, int, int]:
    """The GPU that frees up first, not on node `avoid`."""
    skipped = []
    while True:
        gpu = heapq.heappop(gpus)
        if gpu[1] != avoid or not gpus:
            break
        skipped.append(gpu)
    for other in skipped:
        heapq.heappush(gpus, other)
    return gpu


def _failure(modes: tuple[FailureMode, ...], rng: random.Random) -> FailureMode:
    return rng.choices(modes, weights=[mode.probability for mode in modes])[0]
