"""Generated bad input for every source: loading never raises and never loses a row (Hypothesis).

Each example is one batch of two or three files of one source, made by `inputs` with what
must become of each (`oracle.Expect`), loaded by the real loader on a real lake and checked
by `oracle.check_batch`. The number of examples is bounded (`conftest.EXAMPLES`); the
hand-made corpus of `test_seed_corpus.py` runs whatever Hypothesis draws.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from pipelines.sources import SOURCES
from tests.fuzz import inputs
from tests.fuzz.conftest import FUZZ, FuzzLake
from tests.fuzz.oracle import Delivery, check_batch

# Per source: the text column each generated record carries its tag in, and a file of it.
GENERATORS: dict[str, tuple[str | None, Any]] = {
    "films": (
        "title",
        lambda n: st.one_of(
            inputs.csv_file(inputs.CSV_SOURCES["films"], n), inputs.json_file(inputs.JSON_SOURCES["films"], n)
        ),
    ),
    "box_office_daily": ("distributor", lambda n: inputs.csv_file(inputs.CSV_SOURCES["box_office_daily"], n)),
    "social_links": ("object_id", lambda n: inputs.csv_file(inputs.CSV_SOURCES["social_links"], n)),
    "gpu_metrics": ("gpu_uuid", lambda n: inputs.csv_file(inputs.CSV_SOURCES["gpu_metrics"], n)),
    "render_events": ("event_id", lambda n: inputs.json_file(inputs.JSON_SOURCES["render_events"], n)),
    "youtube": ("title", lambda n: inputs.document_file(inputs.DOCUMENT_SOURCES["youtube"], n)),
    "reddit": ("title", lambda n: inputs.document_file(inputs.DOCUMENT_SOURCES["reddit"], n)),
    "render_logs": (None, inputs.log_file),
}


def test_every_source_has_a_generator() -> None:
    """A new source is fuzzed from the day it is declared: this fails until it has a generator."""
    assert sorted(GENERATORS) == sorted(SOURCES)


@st.composite
def batches(draw: Any, source: str) -> list[Delivery]:
    _, file = GENERATORS[source]
    return [draw(file(n)) for n in range(draw(st.integers(1, 3)))]


def _fuzz(source: str) -> Any:
    """The Hypothesis test of one source: a function of its own, so its examples are stored apart."""
    spec = SOURCES[source]
    tag_column, _ = GENERATORS[source]

    def test(fuzz_lake: FuzzLake, batch: list[Delivery]) -> None:
        for delivery in batch:  # shown with a failing example: the files as delivered
            note(f"{delivery.name}: {delivery.content[:3000]!r} expect {delivery.expect}")
        fuzz_lake.reset(spec)
        report = fuzz_lake.load(spec, [(d.name, d.content) for d in batch])
        check_batch(fuzz_lake, spec, tag_column, batch, report)

    test.__name__ = test.__qualname__ = f"test_{source}_bad_input_is_loaded_or_refused_with_a_reason_and_none_lost"
    test.__doc__ = f"{source}: every generated batch commits; each file loads, every record kept, or is refused."
    return FUZZ(given(batch=batches(source))(test))


test_films_bad_input = _fuzz("films")
test_box_office_daily_bad_input = _fuzz("box_office_daily")
test_render_events_bad_input = _fuzz("render_events")
test_render_logs_bad_input = _fuzz("render_logs")
test_gpu_metrics_bad_input = _fuzz("gpu_metrics")
test_youtube_bad_input = _fuzz("youtube")
test_reddit_bad_input = _fuzz("reddit")
test_social_links_bad_input = _fuzz("social_links")


def test_every_source_is_fuzzed() -> None:
    """A new source must get a generator and a test here: this fails until it has."""
    fuzzed = {
        name.removeprefix("test_").removesuffix("_bad_input") for name in globals() if name.endswith("_bad_input")
    }
    assert fuzzed == set(SOURCES)
