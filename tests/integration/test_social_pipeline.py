"""Audience data through the whole pipeline: API responses in, social_momentum and conversion out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines import cli
from pipelines.lib import query
from tests.integration.conftest import DAILY_CSV, FILMS_CSV

Land = Callable[[str, str, str], Path]

LINKS_CSV = """platform,object_id,film_id,role
youtube,LzTeaser,level-zero-2026,trailer
youtube,LzTrailer,level-zero-2026,trailer
youtube,UCindie,level-zero-2026,channel
reddit,r/LevelZero,level-zero-2026,community
reddit,t3_sf1,starfall-legacy-2026,discussion
youtube,SfTrailer,starfall-legacy-2026,trailer
"""


def _video(video_id: str, views: int | None, likes: int | None = None, comments: int | None = None) -> dict:
    statistics = {"viewCount": views, "likeCount": likes, "commentCount": comments}
    return {
        "kind": "youtube#video",
        "id": video_id,
        "statistics": {k: str(v) for k, v in statistics.items() if v is not None},
    }


def _videos(*items: dict) -> dict:
    return {"kind": "youtube#videoListResponse", "items": list(items), "pageInfo": {"totalResults": len(items)}}


def _envelope(at: str, response: dict) -> str:
    return json.dumps({"fetched_at": at, "response": response})


def _post(post_id: str, subreddit: str, score: int, comments: int) -> dict:
    data = {"id": post_id, "subreddit": subreddit, "score": score, "num_comments": comments, "created_utc": 1.78e9}
    return {"kind": "t3", "data": data}


def _mart(sql: str) -> list[dict[str, object]]:
    columns, rows = query.run_sql(sql)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_snapshots_become_momentum_and_pre_release_views(land: Land, capsys: pytest.CaptureFixture[str]) -> None:
    land("films", "films.csv", FILMS_CSV)
    land("box_office_daily", "daily.csv", DAILY_CSV)
    land("social_links", "links.csv", LINKS_CSV)
    # Delivered out of order: the 8 July snapshot first, then 7 July's, twice (the second a duplicate).
    land(
        "youtube",
        "videos_b.json",
        _envelope(
            "2026-07-08T09:00:00Z",
            _videos(_video("LzTeaser", 5000, 400, 100), _video("LzTrailer", 1000, 50, 50), _video("Other", 9)),
        ),
    )
    land(
        "youtube",
        "videos_20260707T090000Z.json",
        json.dumps(_videos(_video("LzTeaser", 1000, 80, 20), _video("SfTrailer", 90000, None, 300))),
    )
    land("youtube", "videos_a.json", _envelope("2026-07-07T09:00:00Z", _videos(_video("LzTeaser", 1000, 80, 20))))
    # A later fetch the same day supersedes the morning's; release day itself does not count as pre-release.
    land("youtube", "videos_c.json", _envelope("2026-07-08T21:00:00Z", _videos(_video("LzTeaser", 6000, 500, 100))))
    land("youtube", "videos_d.json", _envelope("2026-07-10T09:00:00Z", _videos(_video("LzTeaser", 99000, 1, 1))))
    land("youtube", "quota.json", _envelope("2026-07-09T09:00:00Z", {"error": {"code": 403, "errors": []}}))
    channels = {
        "kind": "youtube#channelListResponse",
        "items": [
            {"kind": "youtube#channel", "id": "UCindie", "statistics": {"viewCount": "777", "subscriberCount": "12"}}
        ],
    }
    land("youtube", "channels_20260708T090000Z.json", json.dumps(channels))
    listing = {
        "kind": "Listing",
        "data": {"children": [_post("lz1", "LevelZero", 30, 5), _post("sf1", "movies", 7, 1)]},
    }
    land("reddit", "new_20260708T090000Z.json", json.dumps(listing))

    assert cli.main(["run"]) == 0
    printed = capsys.readouterr().out
    assert "quota.json: rejected - the API answered with an error, not data: 403" in printed
    assert "videos_a.json item 1: duplicate of videos_20260707T090000Z.json item 1 (same object_id, observed_at)" in (
        printed
    )

    momentum = _mart(
        "SELECT film_id, platform, date::VARCHAR AS date, views, likes, comments, views_delta, engagement_rate, "
        "objects_observed, channel_subscribers, channel_views FROM social_momentum ORDER BY ALL"
    )
    assert momentum == [
        {
            "film_id": "level-zero-2026", "platform": "reddit", "date": "2026-07-08", "views": None, "likes": 30,
            "comments": 5, "views_delta": None, "engagement_rate": None, "objects_observed": 1,
            "channel_subscribers": None, "channel_views": None,
        },
        {
            "film_id": "level-zero-2026", "platform": "youtube", "date": "2026-07-07", "views": 1000, "likes": 80,
            "comments": 20, "views_delta": None, "engagement_rate": 0.1, "objects_observed": 1,
            "channel_subscribers": None, "channel_views": None,
        },
        {
            "film_id": "level-zero-2026", "platform": "youtube", "date": "2026-07-08", "views": 7000, "likes": 550,
            "comments": 150, "views_delta": 6000, "engagement_rate": 0.1, "objects_observed": 2,
            "channel_subscribers": 12, "channel_views": 777,
        },
        {
            "film_id": "level-zero-2026", "platform": "youtube", "date": "2026-07-10", "views": 99000, "likes": 1,
            "comments": 1, "views_delta": 92000, "engagement_rate": pytest.approx(2 / 99000),
            "objects_observed": 1, "channel_subscribers": None, "channel_views": None,
        },
        {
            "film_id": "starfall-legacy-2026", "platform": "reddit", "date": "2026-07-08", "views": None, "likes": 7,
            "comments": 1, "views_delta": None, "engagement_rate": None, "objects_observed": 1,
            "channel_subscribers": None, "channel_views": None,
        },
        {
            # Hidden likes: the day's likes and engagement are unknown, not a partial sum.
            "film_id": "starfall-legacy-2026", "platform": "youtube", "date": "2026-07-07", "views": 90000,
            "likes": None, "comments": 300, "views_delta": None, "engagement_rate": None, "objects_observed": 1,
            "channel_subscribers": None, "channel_views": None,
        },
    ]  # fmt: skip

    conversion = _mart(
        "SELECT film_id, pre_release_views, gross_per_1k_pre_release_views FROM production_efficiency ORDER BY 1"
    )
    # Level Zero released 10 July: teaser 6,000 (8 July, evening) + trailer 1,000; gross 22M (domestic).
    assert conversion == [
        {"film_id": "level-zero-2026", "pre_release_views": 7000, "gross_per_1k_pre_release_views": 22e6 / 7},
        {"film_id": "starfall-legacy-2026", "pre_release_views": 90000, "gross_per_1k_pre_release_views": 50e6 / 90},
    ]
    # The unlinked video is loaded and kept, and listed for an operator.
    unlinked = _mart("SELECT platform, object_id FROM lake.intermediate.int_social_objects_unlinked")
    assert unlinked == [{"platform": "youtube", "object_id": "Other"}]
