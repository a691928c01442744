"""Blender 3.4.1 Cycles logs in the exact shape of the real captures in tests/fixtures/blender/.

A pickup shot of Level Zero rendered by hand on two farm nodes, outside the farm manager:
one clean job and one killed mid-frame (a failed frame). The farm manager never reported
these frames, so they count from the logs alone, and like any Blender 3.x log they say
how long each frame took but not when it was rendered.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.sample_data import land

FILM, SHOT = "level-zero-2026", "pickup-01"
SAMPLES = 1024


def write_logs(folder: Path) -> list[Path]:
    clean = ["Blender 3.4.1"]
    for frame in range(1, 5):
        clean += frame_lines(frame, 1_412.4 + 37 * frame, saved=True, path=_output(frame))
    killed = ["Blender 3.4.1"]
    killed += frame_lines(1, 1_466.2, saved=True, path=_output(5))
    killed += frame_lines(2, 903.0, saved=False, path="")  # the job was killed here
    return [
        land(folder / f"{FILM}__{SHOT}__rtx-node-02__lz-blender-01.log", "\n".join(clean) + "\n"),
        land(folder / f"{FILM}__{SHOT}__rtx-node-03__lz-blender-02.log", "\n".join(killed) + "\n"),
    ]


def _output(frame: int) -> str:
    return f"/mnt/renders/level-zero/{SHOT}/{frame:04d}.png"


def frame_lines(frame: int, seconds: float, *, saved: bool, path: str) -> list[str]:
    """The lines Blender 3.4.1 prints for one Cycles frame."""
    peak = 28.68 + frame * 0.01
    lines = [
        f"Fra:{frame} Mem:9.35M (Peak {peak:.2f}M) | Time:00:00.00 | Mem:0.00M, Peak:0.00M | Scene, ViewLayer | "
        "Synchronizing object | Cube",
        f"Fra:{frame} Mem:10.21M (Peak {peak:.2f}M) | Time:00:00.10 | Mem:0.76M, Peak:0.76M | Scene, ViewLayer | "
        f"Sample 0/{SAMPLES}",
    ]
    steps = 8 if saved else 3
    for step in range(1, steps + 1):
        done = SAMPLES * step // 8
        elapsed = seconds * step / 8
        lines.append(
            f"Fra:{frame} Mem:18.13M (Peak {peak:.2f}M) | Time:{_clock(elapsed)} | "
            f"Remaining:{_clock(seconds - elapsed)} | Mem:8.67M, Peak:8.67M | Scene, ViewLayer | "
            f"Sample {done}/{SAMPLES}"
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


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{int(hours):02d}:{int(minutes):02d}:{rest:05.2f}"
    return f"{int(minutes):02d}:{rest:05.2f}"
