"""The render-farm landing sources: farm events, Blender logs, nvidia-smi samples."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from pipelines.defs.render.blender_log import parse_file, parse_log_name
from pipelines.lib.loading import AlreadyLoaded, Column, FileNaming, RowRule, SourceSpec

_FRAME_EVENTS = "('frame_started', 'frame_finished', 'frame_failed')"

RENDER_EVENTS = SourceSpec(
    name="render_events",
    formats=("jsonl",),
    expected_every=timedelta(hours=6),  # the farm manager ships events several times an hour
    columns=(
        Column("event_id", required=True),
        Column("event_type", required=True),
        Column("ts", "timestamp", required=True),
        Column("job_id", required=True),
        Column("film_id"),
        Column("shot"),
        Column("frame", "integer"),
        Column("worker"),
        Column("gpu_model"),
        Column("render_seconds", "number"),
        Column("samples", "integer"),
        Column("resolution_x", "integer"),
        Column("resolution_y", "integer"),
        Column("peak_memory_mb", "number"),
        Column("error"),
        Column("usd_per_hour", "number"),
    ),
    rules=(
        # Events arrive in several files and may be resent: an event_id is loaded once.
        AlreadyLoaded(
            ("event_id",), "'duplicate event_id ''' || event_id || ''': already loaded from an earlier file'"
        ),
        RowRule(
            f"event_type IN {_FRAME_EVENTS} AND frame IS NULL",
            "event_type || ' event without a frame number'",
        ),
        RowRule(
            "event_type IN ('frame_finished', 'frame_failed') AND render_seconds IS NULL",
            "event_type || ' event without render_seconds'",
        ),
        RowRule(
            f"event_type IN {_FRAME_EVENTS} AND worker IS NULL",
            "event_type || ' event without a worker'",
        ),
    ),
)


def _gpu_file_worker(name: str) -> str:
    """The worker a gpu_metrics file name names, as the `worker` column derives it; ValueError if none."""
    worker = name.split("__", 1)[0] if "__" in name else ""
    if not worker.strip():
        raise ValueError(f"gpu_metrics file name {name!r} does not name the worker: <worker>__<anything>.csv")
    return worker


# `nvidia-smi --query-gpu=... --format=csv[,nounits]`: columns in any order, with or without
# units, under the names nvidia-smi prints (the aliases). The worker is the file name's
# first part: `<worker>__<anything>.csv`.
GPU_METRICS = SourceSpec(
    name="gpu_metrics",
    formats=("csv",),
    expected_every=timedelta(hours=6),  # workers ship nvidia-smi samples several times an hour
    columns=(
        Column("worker"),
        Column("ts", "timestamp", required=True, aliases=("timestamp",)),
        Column("gpu_index", "integer", aliases=("index",)),
        Column("gpu_name", aliases=("name",)),
        Column("gpu_uuid", aliases=("uuid",)),
        Column("utilization_gpu_pct", "measure", required=True, aliases=("utilization.gpu",), unit="%"),
        Column("utilization_memory_pct", "measure", aliases=("utilization.memory",), unit="%"),
        Column("memory_used_mib", "measure", required=True, aliases=("memory.used",), unit="MiB"),
        Column("memory_total_mib", "measure", aliases=("memory.total",), unit="MiB"),
        # Drivers since R535 also print `power.draw.average` (what `power.draw` is on Ampere and
        # later) and `power.draw.instant`; a query may name only those.
        Column(
            "power_draw_w",
            "measure",
            required=True,
            aliases=("power.draw", "power.draw.average", "power.draw.instant"),
            unit="W",
        ),
        Column("power_limit_w", "measure", aliases=("power.limit", "enforced.power.limit"), unit="W"),
        Column("temperature_gpu_c", "measure", aliases=("temperature.gpu",), unit="C"),
        Column("sm_clock_mhz", "measure", aliases=("clocks.current.sm", "clocks.sm"), unit="MHz"),
    ),
    derived={"worker": "CASE WHEN contains(_file_name, '__') THEN split_part(_file_name, '__', 1) END"},
    rules=(RowRule("worker IS NULL", "'the file name does not name the worker (<worker>__<anything>.csv)'"),),
    file_naming=FileNaming("<worker>__<anything>.csv", _gpu_file_worker),
    no_header_reason=(
        "no header line: nvidia-smi output made with `noheader` cannot be read unambiguously "
        "(columns may come in any order); export with --format=csv or csv,nounits"
    ),
)


def _frames(path: Path) -> Iterator[dict[str, object]]:
    """One record per frame of a Blender log; film, shot, worker and job come from its name."""
    name = parse_log_name(path.name)  # a ValueError rejects the file with its message
    for frame in parse_file(path):
        yield {
            "_row_number": frame.first_line,
            "film_id": name.film_id,
            "shot": name.shot,
            "worker": name.worker,
            "job_id": name.job_id,
            **{field: getattr(frame, field) for field in _FRAME_FIELDS},
        }


_FRAME_FIELDS = (
    "frame",
    "status",
    "render_seconds",
    "saving_seconds",
    "peak_memory_mib",
    "samples_done",
    "samples_total",
    "output_path",
    "engine",
    "blender_version",
    "last_line",
)

# Blender command-line render logs, one row per frame (rendered or failed), `_row_number`
# being the frame's first line in the log.
RENDER_LOGS = SourceSpec(
    name="render_logs",
    formats=("log",),
    expected_every=timedelta(hours=12),  # a log lands when its job ends; jobs run for hours
    columns=(
        Column("film_id"),
        Column("shot"),
        Column("worker"),
        Column("job_id"),
        Column("frame", "integer"),
        Column("status"),
        Column("render_seconds", "number"),
        Column("saving_seconds", "number"),
        Column("peak_memory_mib", "number"),
        Column("samples_done", "integer"),
        Column("samples_total", "integer"),
        Column("output_path"),
        Column("engine"),
        Column("blender_version"),
        Column("last_line", "integer"),
    ),
    record_reader=_frames,
    file_naming=FileNaming("<film_id>__<shot>__<worker>__<job_id>.log", parse_log_name),
)
