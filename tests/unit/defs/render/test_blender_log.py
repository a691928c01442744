"""The Blender render-log parser on real captures and on each dialect Blender prints.

Real captures (Blender 3.4.1, Debian, CPU only) live in tests/fixtures/blender/:
  render-00__job-0001  Cycles, 2 frames (shared/fixtures/render, the cube at 256 samples)
  render-01__job-0101  Cycles, 3 frames, 16 samples, 10 % resolution
  render-01__job-0102  EEVEE, 2 frames, 8 samples, with the EGL errors a GPU-less host prints
  render-02__job-0201  Cycles killed (SIGKILL) mid-frame after a Python traceback
  render-02__job-0202  Cycles with a denoiser this build lacks: frame 1 never saved
Real captures of Blender as a Python module (bpy 5.0.1 and 4.5.15, CPU only; how they were made is
in tests/fixtures/blender/README.md):
  render-05__job-0501  5.0.1 default log level, Cycles, 3 frames: only `Saved:` lines
  render-05__job-0502  5.0.1 default log level, Workbench, 2 frames, among EGL errors
  render-05__job-0503  5.0.1 default log level, Cycles: frame 3 cannot be saved
  render-05__job-0504  5.0.1 default log level, Cycles: frame 3 takes 9 minutes
  render-05__job-0505  5.0.1 default log level, Cycles: killed while rendering frame 3
  render-06__job-0601  5.0.1 log level info, Workbench, 2 frames: `Rendering frame N`, no `Fra:`
  render-06__job-0602  5.0.1 log level info, Workbench: killed as frame 3 starts
  render-06__job-0603  5.0.1 log level info, Cycles, 2 frames with `Fra:` lines
  render-04__job-0451  4.5.15, Cycles, 2 frames
The other 4.x and 5.x lines below are reconstructed from logs quoted in public repositories (a
4.2.1 LTS and a 4.5.4 LTS EEVEE log, a 5.x Cycles log with the `00:00.000  render           | `
prefix), or taken from the captures and changed; a comment on each says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.defs.render import blender_log
from pipelines.defs.render.blender_log import FrameRecord, LogName, parse_file, parse_lines, parse_log_name

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "blender"


def parse(text: str) -> list[FrameRecord]:
    return list(parse_lines(text.splitlines()))


def test_real_cycles_log_gives_every_frame_with_its_figures() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh010__render-00__job-0001.log"))
    assert [f.frame for f in frames] == [1, 2]
    first = frames[0]
    assert first.status == "rendered"
    assert first.render_seconds == 8.53
    assert first.saving_seconds == 0.15
    assert first.peak_memory_mib == 28.68
    assert (first.samples_done, first.samples_total) == (256, 256)
    assert first.output_path == "/mnt/renders/backrooms/sh010/frame_0001.png"
    assert (first.engine, first.blender_version) == ("cycles", "3.4.1")
    assert (first.first_line, first.last_line) == (2, 54)
    assert frames[1].render_seconds == 8.76
    assert frames[1].output_path == "/mnt/renders/backrooms/sh010/frame_0002.png"


def test_real_three_frame_cycles_capture() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh010__render-01__job-0101.log"))
    assert [(f.frame, f.status, f.samples_done, f.samples_total) for f in frames] == [
        (1, "rendered", 16, 16),
        (2, "rendered", 16, 16),
        (3, "rendered", 16, 16),
    ]
    assert [f.render_seconds for f in frames] == [0.37, 0.15, 0.17]
    assert frames[2].output_path == "/tmp/bl/out/cyc_0003.png"


def test_real_eevee_capture_with_egl_errors() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh010__render-01__job-0102.log"))
    assert [(f.frame, f.status, f.engine) for f in frames] == [(1, "rendered", "eevee"), (2, "rendered", "eevee")]
    assert (frames[0].samples_done, frames[0].samples_total) == (8, 8)
    assert frames[0].render_seconds == 6.19
    assert frames[0].peak_memory_mib == 12.48
    assert frames[0].first_line == 11


def test_real_killed_render_is_a_failed_frame_with_the_seconds_it_ran() -> None:
    (frame,) = parse_file(FIXTURES / "backrooms__sh020__render-02__job-0201.log")
    assert frame.frame == 1
    assert frame.status == "failed"
    assert frame.render_seconds == 0.47
    assert frame.saving_seconds is None
    assert frame.output_path is None
    assert (frame.samples_done, frame.samples_total) == (1, 4096)
    assert frame.peak_memory_mib == 35.52
    assert frame.last_line == 42


def test_real_denoiser_error_leaves_a_failed_frame() -> None:
    (frame,) = parse_file(FIXTURES / "backrooms__sh020__render-02__job-0202.log")
    assert (frame.frame, frame.status, frame.engine) == (1, "failed", "cycles")
    assert frame.render_seconds == 0.06
    assert frame.samples_done is None


def test_parse_lines_and_parse_file_agree() -> None:
    path = FIXTURES / "backrooms__sh010__render-01__job-0101.log"
    assert list(parse_lines(path.read_text().splitlines(keepends=True))) == list(parse_file(path))
    assert list(parse_lines(path.read_text().splitlines())) == list(parse_file(path))


# Real 3.4.1 lines, from the captures above.
FRAME_34 = """Blender 3.4.1
Fra:7 Mem:18.13M (Peak 18.13M) | Time:00:08.22 | Remaining:00:17.84 | Mem:8.67M, Peak:8.67M | Scene, ViewLayer | Sample 80/256
Fra:7 Mem:21.65M (Peak 28.68M) | Time:00:08.37 | Mem:8.67M, Peak:8.67M | Scene, ViewLayer | Sample 256/256
Fra:7 Mem:21.65M (Peak 28.68M) | Time:00:08.37 | Mem:8.67M, Peak:8.67M | Scene, ViewLayer | Finished
Saved: '/mnt/renders/backrooms/sh010/frame_0007.png'
{time_line}
"""  # noqa: E501 (real lines are kept whole)


@pytest.mark.parametrize(
    "time_line",
    [" Time: 00:08.53 (Saving: 00:00.15)", "Time: 00:08.53 (Saving: 00:00.15)"],
    ids=["3.x leading space", "4.x no leading space"],
)
def test_time_line_with_and_without_leading_space(time_line: str) -> None:
    (frame,) = parse(FRAME_34.format(time_line=time_line))
    assert (frame.frame, frame.status) == (7, "rendered")
    assert (frame.render_seconds, frame.saving_seconds) == (8.53, 0.15)
    assert frame.peak_memory_mib == 28.68
    assert frame.last_line == 6


def test_time_past_an_hour() -> None:
    (frame,) = parse(FRAME_34.format(time_line=" Time: 01:02:03.45 (Saving: 00:01.50)"))
    assert frame.render_seconds == pytest.approx(3723.45)
    assert frame.saving_seconds == pytest.approx(1.5)


def test_progress_time_past_an_hour_for_a_failed_frame() -> None:
    (frame,) = parse("Fra:3 Mem:9.35M (Peak 2.50G) | Time:01:02:03.45 | Scene, ViewLayer | Sample 9/64\n")
    assert frame.status == "failed"
    assert frame.render_seconds == pytest.approx(3723.45)
    assert frame.peak_memory_mib == 2.5 * 1024


def test_blender_4x_eevee_log() -> None:
    # Reconstructed from a public Blender 4.5.4 LTS EEVEE log (frame and path changed).
    frames = parse(
        """Blender 4.5.4 LTS (hash b3efe983cc58 built 2025-10-28 14:22:47)
Read blend: "/projects/backrooms/sh030.blend"
Fra:12 Mem:109.56M (Peak 116.98M) | Time:00:01.39 | Rendering 1 / 64 samples
Fra:12 Mem:109.56M (Peak 116.98M) | Time:00:01.58 | Rendering 50 / 64 samples
Fra:12 Mem:109.56M (Peak 116.98M) | Time:00:01.63 | Rendering 64 / 64 samples
Saved: '/renders/sh030/frame_0012.png'
Time: 00:01.86 (Saving: 00:00.20)
Blender quit
"""
    )
    (frame,) = frames
    assert (frame.frame, frame.status, frame.engine, frame.blender_version) == (12, "rendered", "eevee", "4.5.4")
    assert (frame.samples_done, frame.samples_total) == (64, 64)
    assert (frame.render_seconds, frame.saving_seconds, frame.peak_memory_mib) == (1.86, 0.20, 116.98)
    assert frame.output_path == "/renders/sh030/frame_0012.png"


def test_blender_4x_cycles_with_compositing_lines() -> None:
    # Reconstructed from a public Blender 4.2.1 LTS log (compositing after the last sample).
    (frame,) = parse(
        """Blender 4.2.0 (hash a51f293548ad built 2024-07-16 06:27:23)
Fra:0 Mem:128.76M (Peak 135.62M) | Time:00:00.21 | Mem:0.00M, Peak:0.00M | Scene, ViewLayer | Sample 1/128
Fra:0 Mem:128.76M (Peak 135.62M) | Time:00:00.38 | Mem:0.00M, Peak:0.00M | Scene, ViewLayer | Sample 128/128
Fra:0 Mem:93.93M (Peak 185.01M) | Time:00:00.44 | Compositing
Fra:0 Mem:93.94M (Peak 185.01M) | Time:00:00.44 | Compositing | Initializing execution
Saved: '/tmp/0000.png'
Time: 00:00.52 (Saving: 00:00.03)
"""
    )
    assert (frame.frame, frame.engine, frame.blender_version) == (0, "cycles", "4.2.0")
    assert (frame.samples_done, frame.samples_total, frame.peak_memory_mib) == (128, 128, 185.01)


BLENDER_5X = """Blender 5.0.1 (hash a3db93c5b259 built 2025-12-16 01:30:59)
00:01.618  blend            | Read blend: "/projects/backrooms/sh040.blend"
00:11.011  render           | Fra: 1 | Remaining: 00:46.55 | Mem: 1699M | Sample 80/128
00:01:45.191  render           | Fra: 1 | Remaining: 00:14.53 | Mem: 1702M | Sample 112/128
02:19.277  render           | Fra: 1 | Mem: 1699M | Sample 128/128
02:19.277  render           | Fra: 1 | Mem: 1699M | Finished
02:19.739  render           | Saved: '/tmp/0001.png'
02:19.739  render           | Time: 02:19.28 (Saving: 00:00.31)
02:20.100  render           | Fra: 2 | Mem: 1699M | Sample 0/128
02:31.600  render           | Fra: 2 | Remaining: 01:10.00 | Mem: 1750M | Sample 16/128
"""


def test_blender_5x_prefixed_lines() -> None:
    # Reconstructed from a public Blender 5.x Cycles log; frame 2 is cut short here.
    rendered, failed = parse(BLENDER_5X)
    assert (rendered.frame, rendered.status, rendered.engine, rendered.blender_version) == (
        1,
        "rendered",
        "cycles",
        "5.0.1",
    )
    assert (rendered.render_seconds, rendered.saving_seconds) == (139.28, 0.31)
    assert rendered.output_path == "/tmp/0001.png"
    assert (rendered.samples_done, rendered.samples_total) == (128, 128)
    # 5.x prints no `Peak`; the highest `Mem:` a progress line shows stands in for it.
    assert rendered.peak_memory_mib == 1702
    assert (rendered.first_line, rendered.last_line) == (3, 8)
    assert (failed.frame, failed.status, failed.samples_done) == (2, "failed", 16)
    # No `Time:` in 5.x progress lines: the seconds come from the logger's clock.
    assert failed.render_seconds == pytest.approx(11.5)
    assert failed.peak_memory_mib == 1750


def test_noise_lines_never_break_parsing() -> None:
    # Real noise from the 3.4.1 captures, plus an invented mid-frame traceback and warnings.
    (frame,) = parse(
        """Blender 3.4.1
EGL Error (0x3001): EGL_NOT_INITIALIZED: EGL is not initialized, or could not be initialized.
Managed to successfully fallback to surfaceless EGL rendering!
Error: Python: Traceback (most recent call last):
  File "<string>", line 1, in <module>
RuntimeError: lookdev addon failed to load
Fra:4 Mem:17.71M (Peak 17.97M) | Time:00:00.06 | Mem:8.26M, Peak:8.26M | Scene, ViewLayer | Sample 0/16
Warning: Saved: is not a path, Time: is not a time, Blender 9 is not a header
Build without OpenImageDenoiser
No device available to denoise on
Traceback (most recent call last):
  File "/opt/addons/farm_hook.py", line 12, in post_frame
    raise OSError("Saved: '/nowhere.png'")
OSError: Saved: '/nowhere.png'
Fra:4 Mem:17.71M (Peak 17.97M) | Time:00:00.31 | Mem:8.26M, Peak:8.26M | Scene, ViewLayer | Sample 16/16
Saved: '/renders/frame_0004.png'
 Time: 00:00.40 (Saving: 00:00.02)

Blender quit
"""
    )
    assert (frame.frame, frame.status, frame.output_path) == (4, "rendered", "/renders/frame_0004.png")
    assert (frame.samples_done, frame.render_seconds, frame.blender_version) == (16, 0.40, "3.4.1")


def test_frame_cut_short_by_the_next_frame_or_a_restart_is_failed() -> None:
    frames = parse(
        """Blender 3.4.1
Fra:1 Mem:9.35M (Peak 9.42M) | Time:00:03.10 | Scene, ViewLayer | Sample 3/16
Fra:2 Mem:9.35M (Peak 9.42M) | Time:00:00.20 | Scene, ViewLayer | Sample 16/16
Saved: '/r/0002.png'
 Time: 00:00.30 (Saving: 00:00.01)
Fra:3 Mem:9.35M (Peak 9.42M) | Time:00:01.00 | Scene, ViewLayer | Sample 8/16
Segmentation fault (core dumped)
Blender 3.6.5 (hash 20e6ec4e4c09 built 2023-10-17)
Fra:3 Mem:9.35M (Peak 9.50M) | Time:00:00.90 | Scene, ViewLayer | Sample 16/16
Saved: '/r/0003.png'
 Time: 00:01.00 (Saving: 00:00.01)
"""
    )
    assert [(f.frame, f.status, f.render_seconds, f.blender_version) for f in frames] == [
        (1, "failed", 3.10, "3.4.1"),
        (2, "rendered", 0.30, "3.4.1"),
        (3, "failed", 1.00, "3.4.1"),
        (3, "rendered", 1.00, "3.6.5"),
    ]
    assert [f.first_line for f in frames] == [2, 3, 6, 9]


def test_blender_2x_peak_form() -> None:
    # Real line shape quoted from a Blender 2.7x log: the peak sits after a second figure.
    (frame,) = parse(
        "Fra:125 Mem:12.37M (0.00M, Peak 14.83M) | Time:00:00.13 | Remaining:00:00.14 | Mem:0.71M, Peak:1.20M "
        "| Background Lines, RenderLayer | Path Tracing Tile 1/16, Sample 10/10\n"
    )
    assert (frame.frame, frame.peak_memory_mib, frame.samples_done, frame.engine) == (125, 14.83, 10, "cycles")


def test_reads_cut_mid_line_give_the_same_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / "backrooms__sh020__render-02__job-0201.log"
    whole = list(parse_file(path))
    monkeypatch.setattr(blender_log, "_CHUNK_BYTES", 7)
    assert list(parse_file(path)) == whole


def test_log_name() -> None:
    assert parse_log_name("backrooms__sh010__render-01__job-0101.log") == LogName(
        film_id="backrooms", shot="sh010", worker="render-01", job_id="job-0101"
    )
    assert parse_log_name("/landing/render_logs/level-zero_2026__sh_010__gpu-a__42.log") == LogName(
        film_id="level-zero_2026", shot="sh_010", worker="gpu-a", job_id="42"
    )


@pytest.mark.parametrize(
    "name",
    [
        "backrooms__sh010__render-01.log",
        "backrooms__sh010__render-01__job__extra.log",
        "backrooms__sh010__render-01__job-0101.txt",
        "backrooms____render-01__job-0101.log",
        "backrooms___sh010__render-01__job-0101.log",
    ],
)
def test_bad_log_name_is_refused_with_the_expected_shape(name: str) -> None:
    with pytest.raises(ValueError, match=r"<film_id>__<shot>__<worker>__<job_id>\.log"):
        parse_log_name(name)


# Blender 5.x with no `Fra:` lines: frames numbered from their files, timed by the logger's clock.


def test_real_5x_saved_only_log_gives_one_frame_per_saved_line() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh050__render-05__job-0501.log"))
    assert [(f.frame, f.status, f.render_seconds) for f in frames] == [
        (1, "rendered", 0.141),  # 00:00.472 - 00:00.331, the `Read blend:` line
        (2, "rendered", 0.053),  # 00:00.525 - 00:00.472, the previous save
        (3, "rendered", 0.064),
    ]
    assert [f.output_path for f in frames] == [f"/tmp/renders/sh050/b50_000{n}.png" for n in (1, 2, 3)]
    assert [(f.first_line, f.last_line) for f in frames] == [(2, 2), (3, 3), (4, 4)]
    # The log says nothing else about them; the bpy module prints no version header.
    first = frames[0]
    assert (first.saving_seconds, first.peak_memory_mib, first.samples_done, first.samples_total) == (None,) * 4
    assert (first.engine, first.blender_version) == (None, None)


def test_real_5x_saved_only_workbench_among_egl_errors() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh050__render-05__job-0502.log"))
    assert [(f.frame, f.status, f.render_seconds, f.first_line) for f in frames] == [
        (1, "rendered", 0.179, 5),
        (2, "rendered", 0.005, 6),
    ]


def test_real_5x_saved_only_long_frame_keeps_the_clock_minutes() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh050__render-05__job-0504.log"))
    assert [(f.frame, f.render_seconds) for f in frames] == [(1, 0.111), (2, 0.045), (3, 557.189)]


def test_real_5x_save_error_after_saved_only_frames_is_a_failed_frame() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh050__render-05__job-0503.log"))
    assert [(f.frame, f.status) for f in frames] == [(1, "rendered"), (2, "rendered"), (3, "failed")]
    failed = frames[2]
    # Numbered from the path in `Error: Render error (File exists) cannot save: '...b50_0003.png'`;
    # its seconds run from frame 2's save to the last stamped line before it (00:00.506).
    assert (failed.first_line, failed.last_line, failed.output_path) == (5, 5, None)
    assert failed.render_seconds == 0.062


def test_real_5x_kill_mid_frame_at_the_default_level_leaves_no_trace() -> None:
    # Killed while rendering frame 3: at the default level nothing says a frame had started, so
    # the log reads like a finished two-frame render and no failed frame is made up.
    frames = list(parse_file(FIXTURES / "backrooms__sh050__render-05__job-0505.log"))
    assert [(f.frame, f.status, f.render_seconds) for f in frames] == [(1, "rendered", 0.125), (2, "rendered", 0.041)]


def test_real_5x_info_level_workbench_frames_have_no_progress_lines() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh050__render-06__job-0601.log"))
    assert [(f.frame, f.status, f.render_seconds, f.saving_seconds) for f in frames] == [
        (1, "rendered", 0.54, 0.18),  # Blender's own `Time:` figures
        (2, "rendered", 0.01, 0.0),
    ]
    # From `Rendering frame 1` to its `Time:`, over the shader logging between them.
    assert [(f.first_line, f.last_line) for f in frames] == [(7, 340), (341, 345)]
    assert frames[0].engine == "workbench"


def test_real_5x_kill_as_a_frame_starts_is_a_failed_frame() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh050__render-06__job-0602.log"))
    assert [(f.frame, f.status) for f in frames] == [(1, "rendered"), (2, "rendered"), (3, "failed")]
    killed = frames[2]
    assert (killed.first_line, killed.last_line, killed.output_path) == (346, 346, None)
    assert killed.render_seconds == 0.0  # `Rendering frame 3` is the last thing the log shows


def test_real_5x_info_level_cycles_capture() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh050__render-06__job-0603.log"))
    assert [(f.frame, f.status, f.render_seconds, f.saving_seconds) for f in frames] == [
        (1, "rendered", 0.28, 0.23),
        (2, "rendered", 0.05, 0.0),
    ]
    first = frames[0]
    assert (first.engine, first.samples_done, first.samples_total, first.peak_memory_mib) == ("cycles", 16, 16, 2)
    assert (first.first_line, first.last_line) == (7, 53)
    assert first.output_path == "/tmp/renders/sh050/ci_0001.png"


def test_real_45_capture() -> None:
    frames = list(parse_file(FIXTURES / "backrooms__sh045__render-04__job-0451.log"))
    assert [(f.frame, f.status, f.render_seconds, f.saving_seconds) for f in frames] == [
        (1, "rendered", 0.08, 0.06),
        (2, "rendered", 0.01, 0.0),
    ]
    assert (frames[0].engine, frames[0].samples_done, frames[0].peak_memory_mib) == ("cycles", 16, 9.09)
    assert (frames[0].first_line, frames[0].last_line) == (2, 44)


NEW_CAPTURES = sorted(p.name for p in FIXTURES.glob("backrooms__sh04*.log")) + sorted(
    p.name for p in FIXTURES.glob("backrooms__sh05*.log")
)


@pytest.mark.parametrize("name", NEW_CAPTURES)
def test_captures_read_alike_in_any_chunks_and_as_lines(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / name
    whole = list(parse_file(path))
    assert whole
    assert list(parse_lines(path.read_text().splitlines())) == whole
    monkeypatch.setattr(blender_log, "_CHUNK_BYTES", 7)
    assert list(parse_file(path)) == whole


def fixture_lines(name: str, first: int = 1, last: int | None = None) -> str:
    lines = (FIXTURES / name).read_text().splitlines(keepends=True)
    return "".join(lines[first - 1 : last])


def test_first_frame_counts_from_blender_start_and_a_new_process_from_zero() -> None:
    # Real 5.0.1 lines (bpy, factory scene, no .blend opened, so no `Read blend:`); the run's log
    # appended twice, as a worker re-running a job into the same file would.
    run = """00:01.521  render           | Saved: '/tmp/bpycap/out/b50_0001.png'
00:01.536  render           | Saved: '/tmp/bpycap/out/b50_0002.png'
"""
    frames = parse(run + run)
    # Frame 1 holds Blender's start-up too: nothing in the log says when rendering began.
    assert [(f.frame, f.render_seconds) for f in frames] == [(1, 1.521), (2, 0.015), (1, 1.521), (2, 0.015)]


def test_mixed_log_frames_with_and_without_progress_lines() -> None:
    # Real 5.0.1 captures one after another: an info-level Cycles frame (lines 1-53 of job-0603),
    # a default-level run (job-0501), and the info-level frame again.
    info = fixture_lines("backrooms__sh050__render-06__job-0603.log", 1, 53)
    saved_only = fixture_lines("backrooms__sh050__render-05__job-0501.log")
    frames = parse(info + saved_only + info)
    assert [(f.frame, f.status, f.render_seconds, f.engine, f.samples_done) for f in frames] == [
        (1, "rendered", 0.28, "cycles", 16),
        (1, "rendered", 0.141, None, None),
        (2, "rendered", 0.053, None, None),
        (3, "rendered", 0.064, None, None),
        (1, "rendered", 0.28, "cycles", 16),
    ]
    assert [f.first_line for f in frames] == [7, 55, 56, 57, 64]


def test_crash_after_saved_only_frames_with_progress_lines_is_a_failed_frame() -> None:
    # job-0501, then frame 1's 5.x progress lines of job-0603 (lines 10-49) renumbered as frame 4,
    # the log ending there as a killed render's does.
    progress = fixture_lines("backrooms__sh050__render-06__job-0603.log", 10, 49).replace("Fra: 1 ", "Fra: 4 ")
    frames = parse(fixture_lines("backrooms__sh050__render-05__job-0501.log") + progress)
    assert [(f.frame, f.status) for f in frames] == [(1, "rendered"), (2, "rendered"), (3, "rendered"), (4, "failed")]
    crashed = frames[3]
    assert (crashed.first_line, crashed.last_line) == (5, 44)
    assert (crashed.samples_done, crashed.samples_total, crashed.engine) == (1, 16, "cycles")
    assert crashed.render_seconds == 0.008  # 00:02.170 - 00:02.162, first to last progress line


def test_saved_only_multi_view_files_are_one_frame() -> None:
    # Real 5.x line shape; the stereo paths are invented (`####` then Blender's view suffix).
    frames = parse(
        """00:00.331  blend            | Read blend: "/projects/sh050.blend"
00:00.472  render           | Saved: '/renders/sh050/b50_0001_L.png'
00:00.480  render           | Saved: '/renders/sh050/b50_0001_R.png'
00:00.525  render           | Saved: '/renders/sh050/b50_0002_L.png'
00:00.531  render           | Saved: '/renders/sh050/b50_0002_R.png'
"""
    )
    assert [(f.frame, f.render_seconds, f.output_path, f.last_line) for f in frames] == [
        (1, 0.149, "/renders/sh050/b50_0001_L.png", 3),
        (2, 0.051, "/renders/sh050/b50_0002_L.png", 5),
    ]


def test_saved_file_without_a_frame_number_and_no_frame_in_progress_is_skipped() -> None:
    assert parse("00:00.472  render           | Saved: '/renders/sh050/final.png'\n") == []


def test_unstamped_saved_only_frame_takes_the_time_line() -> None:
    # 3.x/4.x line shapes with no `Fra:` before them (invented frame): the path numbers the frame.
    (frame,) = parse("Saved: '/tmp/bl/out/wb_0005.png'\nTime: 00:00.20 (Saving: 00:00.01)\n")
    assert (frame.frame, frame.status, frame.render_seconds, frame.saving_seconds) == (5, "rendered", 0.2, 0.01)
