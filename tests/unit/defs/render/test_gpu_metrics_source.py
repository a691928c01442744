"""nvidia-smi CSV: units or none, any column order, aliased headers, headerless output."""

from __future__ import annotations

from pathlib import Path

from pipelines.defs.render.sources import GPU_METRICS
from tests.unit.conftest import Lake

# A real capture (copied from shared/fixtures so the suite needs nothing outside the repo).
FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "render" / "nvidia-smi-h100-idle.csv"


def test_the_real_capture_with_units_loads(lake: Lake) -> None:
    report = lake.load(GPU_METRICS, ("h100-node-01__idle.csv", FIXTURE.read_bytes()))
    assert (report.rows_loaded, report.rows_quarantined) == (1, 0)
    row = lake.rows("SELECT * EXCLUDE (_file_sha256, _file_name, _row_number, _loaded_at) FROM raw.gpu_metrics")[0]
    assert row["worker"] == "h100-node-01"
    assert row["ts"].isoformat() == "2026-11-24T23:36:58.814000+00:00"
    assert (row["gpu_index"], row["gpu_name"]) == (0, "NVIDIA H100 80GB HBM3")
    assert (row["utilization_gpu_pct"], row["memory_used_mib"], row["memory_total_mib"]) == (0.0, 0.0, 81559.0)
    assert (row["power_draw_w"], row["power_limit_w"], row["sm_clock_mhz"]) == (72.04, 700.0, 345.0)


def test_nounits_in_another_order_with_unknowns(lake: Lake) -> None:
    csv = (
        "power.draw [W], utilization.gpu [%], timestamp, memory.used [MiB], clocks.sm [MHz]\n"
        "404.99, 97, 2026/11/24 23:57:28.661, 1139, 1980\n"
        "[N/A], 45, 2026/11/24 23:57:29.661, 1140, 1980\n"
        "12.5, 250, 2026/11/24 23:57:30.661, 1141, 1980\n"
    )
    report = lake.load(GPU_METRICS, ("rtx-node-03__2026-11-24.csv", csv))
    assert (report.rows_loaded, report.rows_quarantined) == (2, 1)
    rows = lake.rows("SELECT power_draw_w, utilization_gpu_pct, sm_clock_mhz FROM raw.gpu_metrics ORDER BY ts")
    assert rows == [
        {"power_draw_w": 404.99, "utilization_gpu_pct": 97.0, "sm_clock_mhz": 1980.0},
        {"power_draw_w": None, "utilization_gpu_pct": 45.0, "sm_clock_mhz": 1980.0},  # [N/A] is unknown
    ]
    assert lake.scalar("SELECT _reason FROM quarantine.gpu_metrics") == (
        "utilization_gpu_pct 250.0 is out of range (must be at least 0 and at most 100)"
    )


def test_headerless_output_is_rejected_whole_with_that_reason(lake: Lake) -> None:
    noheader = "2026/11/24 23:57:28.661, 0, NVIDIA H100, 97 %, 1139 MiB, 404.99 W\n"
    report = lake.load(GPU_METRICS, ("rtx-node-03__noheader.csv", noheader * 3))
    assert [f.status for f in report.files] == ["rejected"]
    reason = lake.scalar("SELECT _reason FROM quarantine.gpu_metrics")
    assert "no header line" in reason
    assert "noheader" in reason
    assert lake.scalar("SELECT count(*) FROM raw.gpu_metrics") == 0


def test_a_file_name_without_the_worker_quarantines_its_rows(lake: Lake) -> None:
    report = lake.load(GPU_METRICS, ("metrics.csv", FIXTURE.read_bytes()))
    assert (report.rows_loaded, report.rows_quarantined) == (0, 1)
    assert "does not name the worker" in lake.scalar("SELECT _reason FROM quarantine.gpu_metrics")
