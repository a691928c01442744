"""The audience landing sources: YouTube and Reddit API responses, links to films.

A response is one JSON document per file, observed at one moment: the envelope's
`fetched_at`, else the `_<YYYYMMDDTHHMMSSZ>.json` stamp in the file name (the loader's
JsonDocument reads both). A body that is not the data we asked for (an API error, another
`kind`) is rejected whole, never half-loaded.
"""

from __future__ import annotations

from datetime import timedelta

from pipelines.lib.loading import AlreadyLoaded, Column, JsonDocument, RowRule, SourceSpec


def _kind_of(expected: str) -> str:
    return f"'a ' || coalesce('''' || (_body ->> '$.kind') || '''', 'kind-less') || ' body, not {expected}'"


_YOUTUBE_KINDS = ("youtube#videoListResponse", "youtube#channelListResponse")
_YOUTUBE_ITEM_KIND = (
    "CASE response_kind WHEN 'youtube#videoListResponse' THEN 'youtube#video' ELSE 'youtube#channel' END"
)

# videos.list and channels.list bodies exactly as the Data API v3 returns them: every count
# is a string and any of them may be absent (hidden likes, no dislikeCount since 2021).
YOUTUBE = SourceSpec(
    name="youtube",
    formats=("json",),
    expected_every=timedelta(hours=36),  # the collector polls daily
    columns=(
        Column("observed_at", "timestamp"),  # from the envelope or the file name
        Column("response_kind"),
        Column("next_page_token"),
        Column("total_results", "integer"),
        Column("item_kind", path="$.kind"),
        Column("object_id", path="$.id"),
        Column("title", path="$.snippet.title"),
        Column("channel_id", path="$.snippet.channelId"),
        Column("published_at", "timestamp", path="$.snippet.publishedAt"),
        Column("view_count", "integer", path="$.statistics.viewCount"),
        Column("like_count", "integer", path="$.statistics.likeCount"),
        Column("dislike_count", "integer", path="$.statistics.dislikeCount"),
        Column("favorite_count", "integer", path="$.statistics.favoriteCount"),
        Column("comment_count", "integer", path="$.statistics.commentCount"),
        Column("subscriber_count", "integer", path="$.statistics.subscriberCount"),
        Column("hidden_subscriber_count", "boolean", path="$.statistics.hiddenSubscriberCount"),
        Column("video_count", "integer", path="$.statistics.videoCount"),
    ),
    document=JsonDocument(
        records="$.items",
        fields={
            "response_kind": "_body ->> '$.kind'",
            "next_page_token": "_body ->> '$.nextPageToken'",
            "total_results": "_body ->> '$.pageInfo.totalResults'",
        },
        reject=f"""CASE
            WHEN (_body ->> '$.error') IS NOT NULL THEN 'the API answered with an error, not data: '
                || concat_ws(' ', _body ->> '$.error.code', _body ->> '$.error.errors[0].reason')
                || coalesce(' (' || (_body ->> '$.error.message') || ')', '')
            WHEN response_kind IS NULL OR response_kind NOT IN {_YOUTUBE_KINDS}
                THEN {_kind_of("a videos.list or channels.list response")}
        END""",
    ),
    rules=(
        RowRule(
            f"item_kind IS DISTINCT FROM {_YOUTUBE_ITEM_KIND}",
            f"'a ' || coalesce('''' || item_kind || '''', 'kind-less') || ' item in a ' || response_kind "
            f"|| ' (expected ' || {_YOUTUBE_ITEM_KIND} || ')'",
        ),
        # The same object seen at the same moment is one observation, whichever file brings it.
        AlreadyLoaded(
            ("object_id", "observed_at"),
            "'duplicate observation: ' || object_id || ' at ' || observed_at || ' was already loaded'",
        ),
    ),
)

# Reddit listings (`/r/<sub>/new.json`, `/by_id/...`): t3 children are posts.
REDDIT = SourceSpec(
    name="reddit",
    formats=("json",),
    expected_every=timedelta(hours=36),  # the collector polls daily
    columns=(
        Column("observed_at", "timestamp"),
        Column("after"),
        Column("child_kind", path="$.kind"),
        Column("post_id", path="$.data.id"),
        Column("subreddit", path="$.data.subreddit"),
        Column("title", path="$.data.title"),
        Column("score", "integer", path="$.data.score"),
        Column("num_comments", "integer", path="$.data.num_comments"),
        Column("upvote_ratio", "number", path="$.data.upvote_ratio"),
        Column("subreddit_subscribers", "integer", path="$.data.subreddit_subscribers"),
        Column("created_utc", "number", path="$.data.created_utc"),
        Column("permalink", path="$.data.permalink"),
    ),
    document=JsonDocument(
        records="$.data.children",
        fields={"after": "_body ->> '$.data.after'"},
        reject=f"""CASE
            WHEN (_body ->> '$.error') IS NOT NULL THEN 'the API answered with an error, not data: '
                || concat_ws(' ', _body ->> '$.error', _body ->> '$.message', _body ->> '$.reason')
            WHEN (_body ->> '$.kind') IS DISTINCT FROM 'Listing' THEN {_kind_of("a Listing")}
        END""",
    ),
    rules=(
        RowRule(
            "child_kind IS DISTINCT FROM 't3'",
            "'a ' || coalesce('''' || child_kind || '''', 'kind-less') || ' child, not a t3 post'",
        ),
        AlreadyLoaded(
            ("post_id", "observed_at"),
            "'duplicate observation: post ' || post_id || ' at ' || observed_at || ' was already loaded'",
        ),
    ),
)

# Which platform objects belong to which film: a video, a channel, a post or a subreddit.
SOCIAL_LINKS = SourceSpec(
    name="social_links",
    formats=("csv",),
    columns=(
        Column("platform", required=True),
        Column("object_id", required=True),
        Column("film_id", required=True),
        Column("role"),
    ),
    derived={"platform": "lower(platform)", "role": "lower(role)"},
    depends_on=("films",),
    rules=(
        RowRule(
            "film_id IS NOT NULL AND film_id NOT IN (SELECT film_id FROM raw.films)",
            "'unknown film: no film_id ''' || film_id || ''' in the films catalog'",
        ),
    ),
)
