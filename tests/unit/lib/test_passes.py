"""A pass's plan: full or incremental, which sources, and from which watermarks.

The plan reads meta.loads and meta.builds on a real lake; the loads here go through the
real loader, and a "build" is the row a pipeline pass records for its dbt build.
"""

from __future__ import annotations

import json

import pytest

from pipelines.defs.box_office.sources import FILMS
from pipelines.defs.render.sources import RENDER_EVENTS
from pipelines.lib import dbt, passes
from tests.unit.conftest import Lake

FILMS_CSV = (
    "film_id,title,release_date,production_budget_usd,production_model\n"
    "level-zero-2026,Level Zero,2026-07-10,1200000,indie_digital\n"
    "dune-x,Dune X,2026-05-01,190000000,legacy_studio\n"
)


def _events(*ids: str) -> str:
    return "".join(
        json.dumps(
            {
                "event_id": i,
                "event_type": "job_submitted",
                "ts": "2026-06-02T08:00:00Z",
                "job_id": "j",
                "film_id": "f",
                "shot": "s",
            }
        )
        + "\n"
        for i in ids
    )


def _build(lake: Lake, run_id: str, *, published: bool = True, full: bool = False) -> passes.PassPlan:
    """What a pipeline pass records around its dbt build: the plan, the build, the publish."""
    plan = passes.plan(lake.con, full_refresh=full)
    passes.record_build(lake.con, run_id, plan, passes.watermarks(lake.con, plan.sources), [])
    if published:
        lake.con.execute("INSERT INTO meta.publishes VALUES (1, 1, now(), MAP {}, ?)", [run_id])
    return plan


def test_first_pass_is_full_and_a_published_build_makes_the_next_incremental(lake: Lake) -> None:
    lake.load(FILMS, ("films.csv", FILMS_CSV))
    first = passes.plan(lake.con)
    assert first.full
    assert first.reason == "no build has been published yet"
    assert first.dbt_args() == ["--full-refresh", "--exclude-resource-type", "unit_test"]

    _build(lake, "run-1")
    assert passes.plan(lake.con).dbt_args() is None  # nothing new since

    lake.load(RENDER_EVENTS, ("events.jsonl", _events("e1", "e2")))
    lake.load(RENDER_EVENTS, ("more.jsonl", _events("e3")))
    plan = passes.plan(lake.con)
    assert not plan.full
    assert plan.sources == ("render_events",)
    # films' watermark is the newest films row the published build saw
    films_mark = lake.scalar("SELECT max(_loaded_at) FROM raw.films")
    assert plan.since == {"films": films_mark.isoformat()}
    args = plan.dbt_args()
    assert args is not None
    assert args[:5] == [
        "--full-refresh",
        "--select",
        "source:raw.render_events+",
        "--exclude",
        "config.materialized:view",
    ]
    assert plan.whole  # every render_events row is new: its models are rebuilt whole
    assert "render_events (3 of 3 rows)" in plan.reason


def test_a_small_batch_is_built_partition_by_partition(lake: Lake) -> None:
    lake.load(RENDER_EVENTS, ("events.jsonl", _events("e1", "e2", "e3")))
    _build(lake, "run-1")
    lake.load(RENDER_EVENTS, ("late.jsonl", _events("e4")))
    plan = passes.plan(lake.con)
    assert (plan.sources, plan.whole) == (("render_events",), False)
    args = plan.dbt_args()
    assert args is not None
    assert "--full-refresh" not in args
    since = json.loads(args[args.index("--vars") + 1])["since"]
    assert (
        since["render_events"]
        == lake.scalar("SELECT max(_loaded_at) FROM raw.render_events WHERE _file_name = 'events.jsonl'").isoformat()
    )


def test_an_unpublished_build_leaves_its_rows_to_the_next_pass(lake: Lake) -> None:
    lake.load(RENDER_EVENTS, ("events.jsonl", _events("e1", "e2", "e3")))
    _build(lake, "run-1")
    lake.load(RENDER_EVENTS, ("late.jsonl", _events("e4")))
    _build(lake, "run-2", published=False)  # its checks failed: nothing was published
    plan = passes.plan(lake.con)
    assert plan.sources == ("render_events",)
    assert "render_events (1 of 4 rows)" in plan.reason


def test_a_changed_dbt_project_or_an_operator_asks_for_a_full_pass(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    lake.load(FILMS, ("films.csv", FILMS_CSV))
    _build(lake, "run-1")
    assert passes.plan(lake.con, full_refresh=True).reason == "a full refresh was asked for"
    # A new price on the GPU rate card (a seed) is a change of the dbt project.
    monkeypatch.setattr(passes, "project_checksum", lambda: "another project")
    plan = passes.plan(lake.con)
    assert plan.full
    assert plan.reason == "the dbt project changed since the last published build"


def test_the_project_checksum_covers_seeds(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    project = tmp_path / "dbt_project"
    shutil.copytree(dbt.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    monkeypatch.setattr(dbt, "DBT_PROJECT_DIR", project)
    before = dbt.project_checksum.__wrapped__()
    card = project / "seeds" / "gpu_rate_card.csv"
    card.write_text(card.read_text() + "NVIDIA L4,0.7,2027-01-01\n")
    assert dbt.project_checksum.__wrapped__() != before
