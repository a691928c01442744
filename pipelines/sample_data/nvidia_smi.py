"""nvidia-smi samples of the demo's render nodes, one CSV per node.

Each node logs every GPU at its farm's interval while it renders (`nvidia-smi -l`, started
and stopped with its work): a GPU rendering a frame is near full utilization, an idle GPU
of a busy multi-GPU node is not. Half the nodes log with units, the others `csv,nounits`
with another column order. One file per node (named after its first day) keeps the file
count as small as the farm: the loader reads each CSV on its own, and hundreds of small
files cost more than their rows.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from pathlib import Path

from pipelines.sample_data import land
from pipelines.sample_data.render_farm import Attempt, Farm

WITH_UNITS = "timestamp, index, name, utilization.gpu [%], memory.used [MiB], power.draw [W]"
NO_UNITS = "power.draw [W], utilization.gpu [%], timestamp, memory.used [MiB], name, index"


def write_gpu_metrics(folder: Path, farm: Farm, attempts: list[Attempt], rng: random.Random) -> list[Path]:
    interval = farm.sample_minutes * 60
    # Each node's clock ticks at its own offset within the interval, as separately started loggers do.
    offsets = {worker: rng.uniform(0, interval) for worker in farm.workers}
    # (worker, tick) -> bitmask of the GPUs rendering at that tick
    busy: dict[str, dict[int, int]] = defaultdict(dict)
    for attempt in attempts:
        offset = offsets[attempt.worker]
        ticks = busy[attempt.worker]
        first = math.ceil((attempt.started_at - offset) / interval)
        last = math.floor((attempt.ended_at - offset) / interval)
        for tick in range(first, last + 1):
            ticks[tick] = ticks.get(tick, 0) | (1 << attempt.gpu_index)

    random_ = rng.random
    memory_low, memory_span = farm.peak_memory_mb[0], farm.peak_memory_mb[1] - farm.peak_memory_mb[0]
    power_low, power_span = farm.power_w[0], farm.power_w[1] - farm.power_w[0]
    written = []
    for number, worker in enumerate(farm.workers):
        with_units = number % 2 == 0
        rows: list[str] = []
        for tick in sorted(busy.get(worker, {})):
            moment = tick * interval + offsets[worker]
            clock = time.gmtime(moment)
            stamp = time.strftime("%Y/%m/%d %H:%M:%S", clock) + f".{int(moment * 1000) % 1000:03d}"
            mask = busy[worker][tick]
            for index in range(farm.gpus_per_worker):
                if mask >> index & 1:
                    util = 88 + int(random_() * 13)
                    memory = memory_low + int(random_() * memory_span)
                    power = round(power_low + random_() * power_span, 2)
                else:  # an idle GPU of a node that is rendering on its others
                    util, memory, power = int(random_() * 4), 300 + int(random_() * 600), round(60 + random_() * 30, 2)
                if with_units:
                    rows.append(f"{stamp}, {index}, {farm.gpu_name}, {util} %, {memory} MiB, {power} W")
                else:
                    rows.append(f"{power}, {util}, {stamp}, {memory}, {farm.gpu_name}, {index}")
        if rows:
            first_day = time.strftime("%Y-%m-%d", time.gmtime(min(busy[worker]) * interval + offsets[worker]))
            header = WITH_UNITS if with_units else NO_UNITS
            written.append(land(folder / f"{worker}__{first_day}.csv", "\n".join([header, *rows]) + "\n"))
    return written
