"""YouTube Data API v3 responses: both body shapes, missing counts, whole-file rejections, duplicates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.defs.social.sources import YOUTUBE
from tests.unit.conftest import Lake

# Copied from shared/fixtures so the suite needs nothing outside the repo.
FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "social" / "youtube_videos_envelope.json"


def _video(video_id: str, **statistics: str) -> dict[str, Any]:
    return {
        "kind": "youtube#video",
        "etag": "e",
        "id": video_id,
        "snippet": {"publishedAt": "2026-06-01T15:00:00Z", "channelId": "UCx", "title": f"Video {video_id}"},
        "statistics": statistics,
    }


def _videos(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "youtube#videoListResponse",
        "etag": "e",
        "items": list(items),
        "pageInfo": {"totalResults": len(items), "resultsPerPage": 50},
        **extra,
    }


def _envelope(response: dict[str, Any], fetched_at: str = "2026-06-20T09:00:00Z") -> str:
    return json.dumps({"fetched_at": fetched_at, "response": response})


def test_the_fixture_envelope_loads_every_video_with_counts_as_numbers(lake: Lake) -> None:
    report = lake.load(YOUTUBE, ("videos.json", FIXTURE.read_bytes()))
    assert (report.rows_loaded, report.rows_quarantined) == (2, 0)
    rows = lake.rows(
        "SELECT object_id, observed_at::VARCHAR AS observed_at, view_count, like_count, comment_count, "
        "dislike_count, total_results, _row_number FROM raw.youtube ORDER BY _row_number"
    )
    assert rows == [
        {
            "object_id": "Lz0TrailerA1",
            "observed_at": "2026-06-20 09:00:00+00",
            "view_count": 2841177,
            "like_count": 131004,
            "comment_count": 9120,
            "dislike_count": None,
            "total_results": 2,
            "_row_number": 1,
        },
        # Hidden likes: the count is absent, so it is unknown (null), never 0.
        {
            "object_id": "Lz0Episode07",
            "observed_at": "2026-06-20 09:00:00+00",
            "view_count": 15400212,
            "like_count": None,
            "comment_count": 48811,
            "dislike_count": None,
            "total_results": 2,
            "_row_number": 2,
        },
    ]


def test_a_bare_body_is_observed_at_the_time_in_its_file_name(lake: Lake) -> None:
    body = _videos(_video("v1", viewCount="10"), nextPageToken="CAUQAA")
    lake.load(YOUTUBE, ("trailers_20260621T143000Z.json", json.dumps(body)))
    row = lake.rows("SELECT observed_at::VARCHAR AS at, next_page_token, response_kind FROM raw.youtube")[0]
    assert row == {"at": "2026-06-21 14:30:00+00", "next_page_token": "CAUQAA", "response_kind": body["kind"]}


def test_channels_list_statistics_keep_their_own_columns(lake: Lake) -> None:
    channel = {
        "kind": "youtube#channel",
        "id": "UCstudio",
        "snippet": {"title": "Studio"},
        "statistics": {
            "viewCount": "900000000",
            "subscriberCount": "2500000",
            "hiddenSubscriberCount": False,
            "videoCount": "812",
        },
    }
    body = {"kind": "youtube#channelListResponse", "items": [channel], "pageInfo": {"totalResults": 1}}
    report = lake.load(YOUTUBE, ("channels.json", _envelope(body)))
    assert report.rows_quarantined == 0
    row = lake.rows(
        "SELECT item_kind, view_count, subscriber_count, hidden_subscriber_count, video_count FROM raw.youtube"
    )[0]
    assert row == {
        "item_kind": "youtube#channel",
        "view_count": 900_000_000,
        "subscriber_count": 2_500_000,
        "hidden_subscriber_count": False,
        "video_count": 812,
    }


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "quota.json",
            _envelope({"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}}),
            "the API answered with an error, not data: 403 quotaExceeded (quota)",
        ),
        (
            "search_20260620T090000Z.json",
            json.dumps({"kind": "youtube#searchListResponse", "items": [{"id": {"videoId": "v1"}}]}),
            "a 'youtube#searchListResponse' body, not a videos.list or channels.list response",
        ),
        ("nokind.json", _envelope({"items": []}), "a kind-less body, not a videos.list or channels.list response"),
        (
            "noitems.json",
            _envelope({"kind": "youtube#videoListResponse"}),
            "the response has no items array",
        ),
        (
            "videos.json",
            json.dumps(_videos(_video("v1", viewCount="1"))),
            "no observation time: wrap the body as",
        ),
        (
            "late.json",
            _envelope(_videos(_video("v1", viewCount="1")), fetched_at="yesterday"),
            "fetched_at 'yesterday' is not an ISO 8601 timestamp",
        ),
        ("cut.json", _envelope(_videos(_video("v1", viewCount="1")))[:-20], "not valid JSON (truncated or malformed"),
        ("list.json", "[]", "expected one JSON object (an API response), found a JSON array"),
        ("videos.jsonl", "{}", "expected a .json file holding one API response"),
    ],
)
def test_a_body_that_is_not_the_data_asked_for_is_rejected_whole(
    lake: Lake, name: str, content: str, reason: str
) -> None:
    good = _envelope(_videos(_video("ok", viewCount="5")))
    report = lake.load(YOUTUBE, (name, content), ("good.json", good))
    assert {f.file.name: f.status for f in report.files} == {name: "rejected", "good.json": "loaded"}
    # Nothing of the rejected body is half-loaded; the good file in the same batch is.
    assert lake.scalar("SELECT list(object_id) FROM raw.youtube") == ["ok"]
    quarantined = lake.rows("SELECT _reason, _raw, _row_number FROM quarantine.youtube")
    assert len(quarantined) == 1
    assert quarantined[0]["_reason"].startswith("whole file rejected: " + reason)
    assert quarantined[0]["_raw"] == content
    assert lake.scalar("SELECT status FROM meta.loads WHERE file_name = ?", [name]) == "rejected"


def test_bad_items_are_quarantined_one_by_one_and_the_rest_loads(lake: Lake) -> None:
    body = _videos(
        _video("v1", viewCount="100", likeCount="7"),
        _video("v2", viewCount="lots"),
        _video("v3", viewCount="-4"),
        {"kind": "youtube#channel", "id": "UCx", "statistics": {"viewCount": "1"}},
        _video("v1", viewCount="101"),
        {"kind": "youtube#video", "statistics": {"viewCount": "3"}},
        None,
    )
    report = lake.load(YOUTUBE, ("mixed.json", _envelope(body)))
    assert (report.rows_loaded, report.rows_quarantined) == (1, 6)
    reasons = lake.rows("SELECT _row_number AS item, _reason FROM quarantine.youtube ORDER BY _row_number")
    assert reasons == [
        {"item": 2, "_reason": "view_count 'lots' is not a whole number"},
        {"item": 3, "_reason": "view_count -4 is out of range (must be at least 0)"},
        {"item": 4, "_reason": "a 'youtube#channel' item in a youtube#videoListResponse (expected youtube#video)"},
        {"item": 5, "_reason": "duplicate of mixed.json item 1 (same object_id, observed_at)"},
        {"item": 6, "_reason": "object_id is missing"},
        {"item": 7, "_reason": "the record is a JSON null, not an object"},
    ]
    assert report.sample_reasons[0] == "mixed.json item 2: view_count 'lots' is not a whole number"


def test_an_empty_page_loads_as_a_file_with_no_rows(lake: Lake) -> None:
    report = lake.load(YOUTUBE, ("empty.json", _envelope(_videos())))
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 0)]


def test_the_same_observation_in_another_file_is_a_duplicate_and_order_does_not_matter(lake: Lake) -> None:
    later = _envelope(_videos(_video("v1", viewCount="200")), fetched_at="2026-06-21T09:00:00Z")
    earlier = _videos(_video("v1", viewCount="100"))
    # The later snapshot arrives first; then the earlier one, twice (envelope and bare body).
    lake.load(YOUTUBE, ("b.json", later))
    lake.load(YOUTUBE, ("a_20260620T090000Z.json", json.dumps(earlier)))
    report = lake.load(YOUTUBE, ("a.json", _envelope(earlier, fetched_at="2026-06-20T09:00:00Z")))
    assert report.rows_quarantined == 1
    assert lake.rows("SELECT observed_at::DATE::VARCHAR AS d, view_count FROM raw.youtube ORDER BY observed_at") == [
        {"d": "2026-06-20", "view_count": 100},
        {"d": "2026-06-21", "view_count": 200},
    ]
    assert lake.scalar("SELECT _reason FROM quarantine.youtube") == (
        "duplicate observation: v1 at 2026-06-20 09:00:00+00 was already loaded"
    )


def test_pages_of_one_fetch_load_side_by_side_and_the_envelope_time_wins_over_the_name(lake: Lake) -> None:
    page_1 = _videos(_video("v1", viewCount="1"), nextPageToken="CAEQAA")
    page_2 = _videos(_video("v2", viewCount="2"))
    lake.load(
        YOUTUBE,
        ("trailers_p1_20260101T000000Z.json", _envelope(page_1, fetched_at="2026-06-20T09:00:00Z")),
        ("trailers_p2_20260101T000000Z.json", _envelope(page_2, fetched_at="2026-06-20T09:00:00Z")),
    )
    assert lake.rows(
        "SELECT object_id, next_page_token, observed_at::VARCHAR AS at FROM raw.youtube ORDER BY object_id"
    ) == [
        {"object_id": "v1", "next_page_token": "CAEQAA", "at": "2026-06-20 09:00:00+00"},
        {"object_id": "v2", "next_page_token": None, "at": "2026-06-20 09:00:00+00"},
    ]


def test_a_channel_hiding_its_subscribers_loads_with_the_count_unknown(lake: Lake) -> None:
    channel = {
        "kind": "youtube#channel",
        "id": "UChidden",
        "statistics": {"viewCount": "10", "hiddenSubscriberCount": True, "videoCount": "1"},
    }
    body = {"kind": "youtube#channelListResponse", "items": [channel]}
    report = lake.load(YOUTUBE, ("channels.json", _envelope(body)))
    assert report.rows_quarantined == 0
    assert lake.rows("SELECT subscriber_count, hidden_subscriber_count FROM raw.youtube") == [
        {"subscriber_count": None, "hidden_subscriber_count": True}
    ]
