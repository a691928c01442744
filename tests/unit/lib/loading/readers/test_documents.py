"""API responses read by DuckDB's JSON reader load exactly as when read as text, or are read as text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipelines.defs.social.sources import REDDIT, YOUTUBE
from pipelines.lib import loading
from pipelines.lib.loading import SourceSpec, readers
from pipelines.lib.loading.readers.documents import DocumentReader, document_columns

STAMPED = "videos_20260601T120000Z.json"
VIDEO = {
    "kind": "youtube#video",
    "id": "v1",
    "snippet": {"publishedAt": "2026-05-01T15:00:00Z", "channelId": "UCx", "title": "Trailer"},
    "statistics": {"viewCount": "1000", "likeCount": "40", "commentCount": "3"},
}
ODD_VIDEO = {
    "kind": "youtube#video",
    "id": 7,
    "snippet": {"title": {"en": ["a", 2.50]}, "publishedAt": None},
    "statistics": {"viewCount": 1e3, "likeCount": True, "hiddenSubscriberCount": False},
}


def _videos(*items: Any, **extra: Any) -> dict[str, Any]:
    body = {"kind": "youtube#videoListResponse", "items": list(items), "pageInfo": {"totalResults": len(items)}}
    return {**body, **extra}


def _envelope(response: Any, fetched_at: Any = "2026-06-01T12:00:00Z") -> str:
    return json.dumps({"fetched_at": fetched_at, "response": response})


def _listing(*children: Any, after: Any = "t3_x") -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": after, "children": list(children)}}


POST = {"kind": "t3", "data": {"id": "p1", "subreddit": "levelzero", "title": "Wow", "score": 12, "created_utc": 1.7e9}}

JSON, TEXT, RETRIED = "json", "text", "json, then text"

# (spec, files, how the batch is read: by DuckDB's JSON reader, as text, or by the reader until
# judging its rows fails, then as text)
CASES: dict[str, tuple[SourceSpec, list[tuple[str, str | bytes]], str]] = {
    "envelope": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO, ODD_VIDEO)))], JSON),
    "bare-stamped": (YOUTUBE, [(STAMPED, json.dumps(_videos(VIDEO), indent=2))], JSON),
    "unstamped-bare": (YOUTUBE, [("v.json", json.dumps(_videos(VIDEO)))], JSON),
    "null-and-empty-items": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO, None, {})))], JSON),
    "quota-error": (
        YOUTUBE,
        [("v.json", _envelope({"error": {"code": 403, "errors": [{"reason": "quotaExceeded"}], "message": "q"}}))],
        JSON,
    ),
    "error-null-is-no-error": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO, error=None)))], JSON),
    "other-kind": (YOUTUBE, [("v.json", _envelope({**_videos(VIDEO), "kind": 5}))], JSON),
    "no-items": (YOUTUBE, [("v.json", _envelope({"kind": "youtube#videoListResponse", "items": None}))], JSON),
    "empty-response": (YOUTUBE, [(STAMPED, _envelope({}))], JSON),
    "fetched-at-not-a-time": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO), fetched_at=20260601))], JSON),
    "fetched-at-object": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO), fetched_at={"t": 1}))], JSON),
    "response-null": (YOUTUBE, [(STAMPED, json.dumps({"response": None, **_videos(VIDEO)}))], JSON),
    "byte-order-mark": (YOUTUBE, [("v.json", "\ufeff" + _envelope(_videos(VIDEO)))], JSON),
    "paging-values": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO, nextPageToken=1.50, pageInfo={"x": 1})))], JSON),
    "item-a-string": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO, "v2")))], TEXT),
    "snippet-a-string": (YOUTUBE, [("v.json", _envelope(_videos({**VIDEO, "snippet": "x"})))], RETRIED),
    "items-an-object": (YOUTUBE, [("v.json", _envelope({**_videos(), "items": {"a": 1}}))], TEXT),
    "response-a-string": (YOUTUBE, [(STAMPED, json.dumps({"response": "x", **_videos(VIDEO)}))], TEXT),
    "not-json": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO))[:-5])], TEXT),
    "an-array": (YOUTUBE, [("v.json", json.dumps([_videos(VIDEO)]))], TEXT),
    "null-document": (YOUTUBE, [(STAMPED, "null")], TEXT),
    "empty-document": (YOUTUBE, [(STAMPED, "{}")], TEXT),
    "two-documents": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO)) + "\n" + _envelope(_videos(VIDEO)))], TEXT),
    "repeated-key": (YOUTUBE, [("v.json", _envelope(_videos(VIDEO))[:-1] + ', "fetched_at": "x"}')], TEXT),
    "a-bad-file-in-a-batch": (
        YOUTUBE,
        [("a.json", _envelope(_videos(VIDEO))), ("b.json", "{"), ("c.json", _envelope(_videos(VIDEO), "2026-06-02"))],
        TEXT,
    ),
    "batch": (
        YOUTUBE,
        [("a.json", _envelope(_videos(VIDEO))), ("b.json", _envelope({"error": {"code": 500}})), (STAMPED, "{}  ")],
        TEXT,
    ),
    "listing": (REDDIT, [("r_20260601T120000Z.json", json.dumps(_listing(POST, None, {"kind": "t1"})))], JSON),
    "listing-envelope": (REDDIT, [("r.json", _envelope(_listing(POST, after=None)))], JSON),
    "reddit-error": (REDDIT, [("r.json", _envelope({"message": "Forbidden", "error": 403, "reason": "x"}))], JSON),
    "data-a-string": (REDDIT, [("r.json", _envelope({"kind": "Listing", "data": "x"}))], TEXT),
}


def _outcome(lake: Any, spec: SourceSpec) -> tuple[list[Any], list[Any], list[Any]]:
    raw = lake.con.execute(
        f"SELECT * EXCLUDE (_loaded_at) FROM raw.{spec.name} ORDER BY _file_name, _row_number"
    ).fetchall()
    quarantined = lake.con.execute(
        f"SELECT * EXCLUDE (_quarantined_at) FROM quarantine.{spec.name} ORDER BY _file_name, _row_number"
    ).fetchall()
    loads = lake.con.execute(
        "SELECT file_name, status, rows_loaded, rows_quarantined, detail FROM meta.loads ORDER BY file_name"
    ).fetchall()
    return raw, quarantined, loads


@pytest.mark.parametrize("case", CASES)
def test_responses_read_by_the_json_reader_only_where_that_is_reading_their_text(
    lake: Any, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    spec, files, expected = CASES[case]
    taken: list[str] = []
    read_fast, read_batch = DocumentReader._read_documents_fast, readers.read_batch

    def spy(reader: Any, *args: Any) -> Any:
        rejected = read_fast(reader, *args)
        taken.append(JSON if rejected is not None else TEXT)
        return rejected

    def spy_retry(*args: Any, as_text: bool = False) -> Any:
        if as_text:  # judging what the JSON reader gave failed: the batch is read again as text
            taken.append(TEXT)
        return read_batch(*args, as_text=as_text)

    monkeypatch.setattr(DocumentReader, "_read_documents_fast", spy)
    monkeypatch.setattr(readers, "read_batch", spy_retry)
    lake.load(spec, *files)
    fast_outcome = _outcome(lake, spec)
    lake.con.execute(f"DELETE FROM raw.{spec.name}; DELETE FROM quarantine.{spec.name}; DELETE FROM meta.loads")
    monkeypatch.setattr(DocumentReader, "_read_documents_fast", lambda reader, *args: None)  # as text
    lake.load(spec, *files)

    assert ", then ".join(taken) == expected
    assert _outcome(lake, spec) == fast_outcome
    assert fast_outcome[0] or fast_outcome[1]  # every case loads or quarantines something


def test_a_body_read_other_than_by_paths_is_read_as_text() -> None:
    document = loading.JsonDocument(records="$.items", fields={"n": "json_array_length(_body)"}, reject="NULL")
    assert document.body_paths is None
    assert document_columns(document, {"id": "VARCHAR"}) is None
    reads_records = loading.JsonDocument(records="$.data.items", fields={"d": "_body ->> '$.data'"}, reject="NULL")
    assert document_columns(reads_records, {"id": "VARCHAR"}) is None
