"""Months of render-farm telemetry for `backlot demo`, written into the landing zone.

`seed_render(landing_dir)` simulates the two farms of `render_productions` (an indie RTX
4090 farm and a studio's rented H100 cloud instances) rendering an indie feature's CG
takes, a studio blockbuster's CG shots and a few effects shots, January to July 2026,
and writes what they report:

- `render_events/<farm>_<ISO week>.jsonl` - the farm manager's events, one file per farm
  and week: `job_submitted`, each frame's `frame_started`, then `frame_finished`, or
  `frame_failed` followed by a retry on another node, and `job_finished`. Events are
  shuffled within a file, some arrive a week late (in the next week's file), and once the
  farm manager sends some of a week's events again (they must load once). The indie
  farm's events carry `usd_per_hour` (its own cost); every third node's events have no
  `gpu_model` (the rate then comes from what nvidia-smi reported for the node).
- `render_logs/<film>__<shot>__<worker>__<job>.log` - two Blender 3.4.1 logs of a pickup
  shot rendered outside the farm manager (`blender_logs`): a clean job and a killed one.
- `gpu_metrics/<worker>__<first day>.csv` - nvidia-smi samples while each node rendered
  (`nvidia_smi`).

About 90,000 frame attempts (180,000 events) and 130,000 nvidia-smi samples in some 80
files at full size. `runtime_share` renders that share of every shot's frames (tests use
a small farm). Deterministic for a given seed and share: the same call writes
byte-identical files.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.sample_data import land
from pipelines.sample_data.blender_logs import write_logs
from pipelines.sample_data.nvidia_smi import write_gpu_metrics
from pipelines.sample_data.render_farm import Attempt, Farm, Job, schedule
from pipelines.sample_data.render_productions import PRODUCTIONS, jobs

WEEK = 7 * 86_400
MONDAY = 4 * 86_400  # 1970-01-05, the first Monday after the epoch: weeks are counted from it
LATE_SHARE = 0.02  # events flushed a week late
RESENT_SHARE = 0.01  # of one week's events, sent again in the next week's file


@dataclass(frozen=True)
class FarmRender:
    """What one farm did: its jobs and every attempt it made."""

    farm: Farm
    jobs: list[Job]
    attempts: list[Attempt]


def simulate(*, seed: int = 7, runtime_share: float = 1.0) -> list[FarmRender]:
    """Every job and attempt of the demo's farms, without writing anything."""
    if not 0 < runtime_share <= 1:
        raise ValueError(f"runtime_share must be in (0, 1], got {runtime_share}")
    rng = random.Random(f"render-{seed}")
    farms: dict[str, tuple[Farm, list[Job]]] = {}
    for production in PRODUCTIONS:
        farm_jobs = farms.setdefault(production.farm.name, (production.farm, []))[1]
        farm_jobs.extend(jobs(production, rng, runtime_share))
    return [FarmRender(farm, farm_jobs, schedule(farm, farm_jobs, rng)) for farm, farm_jobs in farms.values()]


def seed_render(landing_dir: Path, *, seed: int = 7, runtime_share: float = 1.0) -> list[Path]:
    """Write the farms' events, two Blender logs and nvidia-smi samples; return the paths written."""
    renders = simulate(seed=seed, runtime_share=runtime_share)
    rng = random.Random(f"render-files-{seed}")
    written: list[Path] = []
    for render in renders:
        written += _write_events(landing_dir / "render_events", render, rng)
    written += write_logs(landing_dir / "render_logs")
    for render in renders:
        written += write_gpu_metrics(landing_dir / "gpu_metrics", render.farm, render.attempts, rng)
    return written


# An event before it is written: (moment, event type, job, its number within the job, attempt or None).
Event = tuple[float, str, Job, int, Attempt | None]


def _events(render: FarmRender) -> Iterator[Event]:
    by_job: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in render.attempts:
        by_job[attempt.job.job_id].append(attempt)
    for job in render.jobs:
        attempts = by_job[job.job_id]
        yield job.submitted_at, "job_submitted", job, 1, None
        number = 1
        for attempt in attempts:
            yield attempt.started_at, "frame_started", job, number + 1, attempt
            ended = "frame_finished" if attempt.error is None else "frame_failed"
            yield attempt.ended_at, ended, job, number + 2, attempt
            number += 2
        yield max(a.ended_at for a in attempts) + 10, "job_finished", job, number + 1, None


def _write_events(folder: Path, render: FarmRender, rng: random.Random) -> list[Path]:
    weeks: dict[int, list[Event]] = defaultdict(list)
    for event in _events(render):
        weeks[int((event[0] - MONDAY) // WEEK)].append(event)
    ordered = sorted(weeks)
    encode = _Lines(render.farm).line
    lines = {week: [encode(event) for event in weeks[week]] for week in ordered}
    # Once, mid-production, the farm manager reconnects and sends its last buffer again.
    reconnect = ordered[len(ordered) // 2]
    for week, following in itertools.pairwise(ordered):
        own = len(weeks[week])  # the week's own events come first; late ones from before follow
        # A farm manager flushes out of order: some of a week's events land in the next week's file.
        late = set(rng.sample(range(own), k=round(own * LATE_SHARE)))
        resent = rng.sample(range(own), k=max(1, round(own * RESENT_SHARE))) if week == reconnect else []
        lines[following] += [lines[week][i] for i in sorted(late)] + [lines[week][i] for i in resent]
        lines[week] = [line for i, line in enumerate(lines[week]) if i not in late]
    written = []
    for week in ordered:
        rng.shuffle(lines[week])
        iso_year, iso_week, _ = datetime.fromtimestamp(MONDAY + week * WEEK, UTC).isocalendar()
        name = f"{render.farm.name}_{iso_year}-W{iso_week:02d}.jsonl"
        written.append(land(folder / name, "".join(lines[week])))
    return written


class _Lines:
    """JSON Lines for one farm's events, from fragments built once per job and node.

    The values are ids, fixed texts and numbers, so the fragments are encoded once with
    json.dumps and the numbers formatted as JSON writes them: encoding each of hundreds of
    thousands of events whole takes several times longer for the same bytes.
    """

    def __init__(self, farm: Farm) -> None:
        self.farm = farm
        self.jobs: dict[str, str] = {}
        self.workers: dict[str, str] = {}
        self.days: dict[int, str] = {}

    def line(self, event: Event) -> str:
        moment, event_type, job, number, attempt = event
        head = f'{{"event_id": "{job.job_id}-{number:06d}", "event_type": "{event_type}", "ts": "{self._ts(moment)}", '
        if attempt is None:
            return f'{head}{self._job(job)}, "worker": null, "gpu_model": null}}\n'
        frame = f'{head}{self._job(job)}, "frame": {attempt.frame}, {self._worker(attempt.worker)}'
        if event_type == "frame_started":
            return frame + "}\n"
        if event_type == "frame_failed":
            return f'{frame}, "render_seconds": {attempt.seconds!r}, "error": {json.dumps(attempt.error)}}}\n'
        width, height = job.resolution
        return (
            f'{frame}, "render_seconds": {attempt.seconds!r}, "samples": {job.samples}, "resolution_x": {width}, '
            f'"resolution_y": {height}, "peak_memory_mb": {attempt.peak_memory_mb}}}\n'
        )

    def _ts(self, moment: float) -> str:
        day, second = divmod(int(moment), 86_400)
        if day not in self.days:
            self.days[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))
        hours, rest = divmod(second, 3600)
        return f"{self.days[day]}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"

    def _job(self, job: Job) -> str:
        if job.job_id not in self.jobs:
            self.jobs[job.job_id] = json.dumps({"job_id": job.job_id, "film_id": job.film_id, "shot": job.shot})[1:-1]
        return self.jobs[job.job_id]

    def _worker(self, worker: str) -> str:
        if worker not in self.workers:
            number = int(worker.rsplit("-", 1)[1]) - 1
            # Every third node's events omit the GPU model: the rate comes from nvidia-smi.
            fields: dict[str, object] = {
                "worker": worker,
                "gpu_model": None if number % 3 == 2 else self.farm.gpu_name,
            }
            if self.farm.usd_per_hour is not None:
                fields["usd_per_hour"] = self.farm.usd_per_hour
            self.workers[worker] = json.dumps(fields)[1:-1]
        return self.workers[worker]
