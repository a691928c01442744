"""Reddit listings and the social links that map platform objects to films."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.defs.social.sources import REDDIT, SOCIAL_LINKS
from tests.unit.conftest import Lake

# Copied from shared/fixtures so the suite needs nothing outside the repo.
FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "social" / "reddit_levelzero_20260620T090000Z.json"


def _listing(*children: dict[str, Any]) -> str:
    return json.dumps({"kind": "Listing", "data": {"after": None, "dist": len(children), "children": list(children)}})


def _post(post_id: str, **data: Any) -> dict[str, Any]:
    base = {"id": post_id, "subreddit": "levelzero", "title": "t", "score": 10, "num_comments": 2}
    return {"kind": "t3", "data": base | {"created_utc": 1781600000.0} | data}


def test_the_fixture_listing_loads_with_the_observation_time_from_its_name(lake: Lake) -> None:
    report = lake.load(REDDIT, (FIXTURE.name, FIXTURE.read_bytes()))
    assert (report.rows_loaded, report.rows_quarantined) == (1, 0)
    row = lake.rows(
        "SELECT post_id, subreddit, score, num_comments, upvote_ratio, created_utc, after, "
        "observed_at::VARCHAR AS observed_at FROM raw.reddit"
    )[0]
    assert row == {
        "post_id": "1m2abc",
        "subreddit": "levelzero",
        "score": 1893,
        "num_comments": 211,
        "upvote_ratio": 0.96,
        "created_utc": 1781600000.0,
        "after": "t3_1m2abc",
        "observed_at": "2026-06-20 09:00:00+00",
    }


def test_an_error_body_or_another_kind_is_rejected_whole(lake: Lake) -> None:
    report = lake.load(
        REDDIT,
        ("limited_20260620T090000Z.json", json.dumps({"message": "Too Many Requests", "error": 429})),
        ("post_20260620T090000Z.json", json.dumps(_post("p1"))),
        ("ok_20260620T090000Z.json", _listing(_post("p2"))),
    )
    assert report.rows_loaded == 1
    reasons = lake.rows("SELECT _file_name, _reason FROM quarantine.reddit ORDER BY _file_name")
    assert reasons == [
        {
            "_file_name": "limited_20260620T090000Z.json",
            "_reason": "whole file rejected: the API answered with an error, not data: 429 Too Many Requests",
        },
        {"_file_name": "post_20260620T090000Z.json", "_reason": "whole file rejected: a 't3' body, not a Listing"},
    ]


def test_children_that_are_not_posts_or_lack_an_id_are_quarantined_each(lake: Lake) -> None:
    listing = _listing(
        _post("p1", score=-3),  # a downvoted post: negative scores are real
        {"kind": "more", "data": {"count": 4, "children": ["x"]}},
        _post("p2", num_comments="many"),
        _post("p1"),
    )
    report = lake.load(
        REDDIT, ("new.json", json.dumps({"fetched_at": "2026-06-20T09:00:00Z", "response": json.loads(listing)}))
    )
    assert (report.rows_loaded, report.rows_quarantined) == (1, 3)
    assert lake.scalar("SELECT score FROM raw.reddit") == -3
    reasons = lake.scalar("SELECT list(_reason ORDER BY _row_number) FROM quarantine.reddit")
    assert reasons == [
        "post_id is missing; subreddit is missing; a 'more' child, not a t3 post",
        "num_comments 'many' is not a whole number",
        "duplicate of new.json item 1 (same post_id, observed_at)",
    ]


def test_links_to_unknown_films_are_quarantined_and_unmapped_platforms_are_kept(catalog: Lake) -> None:
    links = (
        "platform,object_id,film_id,role\n"
        "YouTube,Lz0TrailerA1,level-zero-2026,trailer\n"
        "reddit,levelzero,level-zero-2026,community\n"
        "tiktok,7301,dune-x,trailer\n"
        "youtube,Dx1,no-such-film,trailer\n"
        "youtube,Lz0TrailerA1,level-zero-2026,trailer\n"
        ",Lz0x,level-zero-2026,trailer\n"
    )
    report = catalog.load(SOCIAL_LINKS, ("links.csv", links))
    assert (report.rows_loaded, report.rows_quarantined) == (3, 3)
    assert catalog.scalar("SELECT list(platform ORDER BY _row_number) FROM raw.social_links") == [
        "youtube",
        "reddit",
        "tiktok",
    ]
    assert catalog.rows("SELECT _row_number AS line, _reason FROM quarantine.social_links ORDER BY 1") == [
        {"line": 5, "_reason": "unknown film: no film_id 'no-such-film' in the films catalog"},
        {"line": 6, "_reason": "duplicate of line 2 (same platform, object_id, film_id in this file)"},
        {"line": 7, "_reason": "platform is missing"},
    ]
