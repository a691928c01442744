"""A few weeks of YouTube and Reddit snapshots for `backlot demo`, written into the landing zone.

`seed_social(landing_dir)` writes what a social collector fetching once a day (09:00 UTC,
some days again at 21:00) would have saved from 2026-05-25 to 2026-07-26:

- `youtube/videos_<stamp>.json` - `videos.list` bodies in the `{"fetched_at", "response"}`
  envelope: Level Zero's teaser going viral a month before release and its official
  trailer, two Starfall Legacy trailers growing steadily on a big studio channel, smaller
  trailers for Mister Marmalade, Glasswing and Cloudbreak, and an old Level Zero web-series
  episode with hidden likes that no link maps to a film (it is loaded and kept, unlinked);
- `youtube/channels_<YYYYMMDDTHHMMSSZ>.json` - bare `channels.list` bodies, the observation
  time in the name: the indie collective's channel and the studio's;
- `reddit/levelzero_<stamp>.json`, `reddit/movies_<stamp>.json` - Listings of r/levelzero
  (linked as the film's community) and r/movies (one Starfall post linked by id; the rest
  unlinked);
- `social_links/links.csv` - the links, one of them to a film that is not in the catalog
  (quarantined);

plus what real collectors produce: a `quotaExceeded` error body (rejected whole), one day
fetched twice (envelope and bare body: the second is a duplicate observation), and a few
days delivered out of order. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipelines.sample_data import land

FIRST_DAY = date(2026, 5, 25)
DAYS = 63
INDIE_CHANNEL = "UCIndieCollective00000001"
STUDIO_CHANNEL = "UCMajorPictures0000000001"


@dataclass(frozen=True)
class Video:
    video_id: str
    title: str
    channel_id: str
    published: date
    # views(t) = floor + ceiling / (1 + exp(-(t - midpoint) / spread)), t in days since publishing
    floor: int
    ceiling: int
    midpoint: float
    spread: float
    like_ratio: float | None  # None: likes hidden
    comment_ratio: float


# fmt: off
VIDEOS = (
    # The indie teaser goes viral two weeks after it drops; the trailer rides the wave.
    Video("Lz0TrailerA1", "Level Zero | Official Teaser", INDIE_CHANNEL, date(2026, 6, 1),
          1_000, 24_000_000, 18, 1.8, 0.046, 0.0032),
    Video("Lz0TrailerB2", "Level Zero | Official Trailer", INDIE_CHANNEL, date(2026, 6, 26),
          5_000, 11_000_000, 5, 2.5, 0.041, 0.0028),
    # An old episode of the web series the film grew from: hidden likes, never linked.
    Video("Lz0Episode07", "Level Zero (Part 7)", INDIE_CHANNEL, date(2024, 3, 12),
          15_100_000, 900_000, 700, 40, None, 0.0031),
    # The studio's campaign: steady, big, and never viral.
    Video("SfLTeaser001", "Starfall Legacy - Teaser Trailer", STUDIO_CHANNEL, date(2026, 3, 2),
          2_000_000, 14_000_000, 60, 30, 0.021, 0.0011),
    Video("SfLTrailer02", "Starfall Legacy - Final Trailer", STUDIO_CHANNEL, date(2026, 5, 20),
          500_000, 9_000_000, 18, 9, 0.019, 0.0010),
    Video("MrMTrailer01", "Mister Marmalade | Official Trailer", STUDIO_CHANNEL, date(2026, 6, 10),
          300_000, 6_500_000, 25, 10, 0.024, 0.0013),
    Video("GlwTeaser001", "Glasswing - Teaser", INDIE_CHANNEL, date(2026, 6, 15),
          2_000, 1_400_000, 20, 6, 0.038, 0.0025),
    Video("ClbAnimatic1", "Cloudbreak - Making of the Animatic", INDIE_CHANNEL, date(2026, 5, 1),
          800_000, 600_000, 30, 12, 0.052, 0.0040),
)
# fmt: on

LINKS = (
    ("youtube", "Lz0TrailerA1", "level-zero-2026", "trailer"),
    ("youtube", "Lz0TrailerB2", "level-zero-2026", "trailer"),
    ("youtube", INDIE_CHANNEL, "level-zero-2026", "channel"),
    ("youtube", "SfLTeaser001", "starfall-legacy-2026", "trailer"),
    ("youtube", "SfLTrailer02", "starfall-legacy-2026", "trailer"),
    ("youtube", STUDIO_CHANNEL, "starfall-legacy-2026", "channel"),
    ("youtube", "MrMTrailer01", "mister-marmalade-2026", "trailer"),
    ("youtube", STUDIO_CHANNEL, "mister-marmalade-2026", "channel"),
    ("youtube", "GlwTeaser001", "glasswing-2026", "trailer"),
    ("youtube", "ClbAnimatic1", "cloudbreak-2026", "featurette"),
    ("reddit", "r/levelzero", "level-zero-2026", "community"),
    ("reddit", "t3_1sflg01", "starfall-legacy-2026", "discussion"),
    ("youtube", "NoSuchVid01", "level-zero-2", "trailer"),  # a sequel not in the catalog: quarantined
)


def seed_social(landing_dir: Path, *, seed: int = 7) -> list[Path]:
    """Write the collector's snapshots and the links file; return the paths written, in order."""
    rng = random.Random(f"social-{seed}")
    fetches: list[tuple[Path, str]] = []
    for day in range(DAYS):
        stamps = [datetime.combine(FIRST_DAY + timedelta(days=day), datetime.min.time(), UTC) + timedelta(hours=9)]
        if day % 5 == 2:
            stamps.append(stamps[0] + timedelta(hours=12))  # a second fetch: the day's last one counts
        for at in stamps:
            fetches += _fetch(landing_dir, at, rng)
    # The collector's quota ran out once, and it re-fetched one morning twice.
    quota = datetime(2026, 6, 18, 15, 0, tzinfo=UTC)
    fetches.append((landing_dir / "youtube" / f"videos_{_stamp(quota)}.json", _envelope(quota, QUOTA_ERROR)))
    again = datetime(2026, 6, 12, 9, 0, tzinfo=UTC)
    fetches.append((landing_dir / "youtube" / f"videos_again_{_stamp(again)}.json", json.dumps(_videos(again, rng))))
    # Collectors upload late and out of order: move a few days to the end.
    late = [f for f in fetches if "20260607" in f[0].name or "20260608" in f[0].name]
    ordered = [f for f in fetches if f not in late] + late
    written = [land(path, text) for path, text in ordered]
    written.append(land(landing_dir / "social_links" / "links.csv", _links_csv()))
    return written


QUOTA_ERROR: dict[str, object] = {
    "error": {
        "code": 403,
        "message": "The request cannot be completed because you have exceeded your quota.",
        "errors": [{"message": "quota exceeded", "domain": "youtube.quota", "reason": "quotaExceeded"}],
    }
}


def _fetch(landing_dir: Path, at: datetime, rng: random.Random) -> list[tuple[Path, str]]:
    stamp = _stamp(at)
    return [
        (landing_dir / "youtube" / f"videos_{stamp}.json", _envelope(at, _videos(at, rng))),
        (landing_dir / "youtube" / f"channels_{stamp}.json", json.dumps(_channels(at), indent=1)),
        (landing_dir / "reddit" / f"levelzero_{stamp}.json", _envelope(at, _listing(at, "levelzero", rng))),
        (landing_dir / "reddit" / f"movies_{stamp}.json", _envelope(at, _listing(at, "movies", rng))),
    ]


def _views(video: Video, at: datetime) -> int:
    age = (at.date() - video.published).days + at.hour / 24
    return int(video.floor + video.ceiling / (1 + math.exp(-(age - video.midpoint) / video.spread)))


def _videos(at: datetime, rng: random.Random) -> dict[str, object]:
    items = []
    for video in VIDEOS:
        if video.published > at.date():
            continue
        views = _views(video, at)
        statistics = {"viewCount": str(views), "favoriteCount": "0"}
        if video.like_ratio is not None:
            statistics["likeCount"] = str(int(views * video.like_ratio * rng.uniform(0.97, 1.03)))
        statistics["commentCount"] = str(int(views * video.comment_ratio))
        items.append(
            {
                "kind": "youtube#video",
                "etag": f"{video.video_id}-{_stamp(at)}",
                "id": video.video_id,
                "snippet": {
                    "publishedAt": f"{video.published.isoformat()}T15:00:00Z",
                    "channelId": video.channel_id,
                    "title": video.title,
                },
                "statistics": statistics,
            }
        )
    return {
        "kind": "youtube#videoListResponse",
        "etag": f"videos-{_stamp(at)}",
        "items": items,
        "pageInfo": {"totalResults": len(items), "resultsPerPage": 50},
    }


def _channels(at: datetime) -> dict[str, object]:
    days = (at.date() - FIRST_DAY).days
    indie_views = sum(_views(v, at) for v in VIDEOS if v.channel_id == INDIE_CHANNEL and v.published <= at.date())
    channels = [
        # The indie channel's subscribers follow its teaser; the studio's grow by a steady 0.1% a day.
        (INDIE_CHANNEL, "Indie Collective", 180_000 + indie_views // 60, indie_views + 41_000_000, 96),
        (STUDIO_CHANNEL, "Major Pictures", int(4_200_000 * 1.001**days), 2_900_000_000 + 1_500_000 * days, 1_412),
    ]
    return {
        "kind": "youtube#channelListResponse",
        "etag": f"channels-{_stamp(at)}",
        "pageInfo": {"totalResults": 2, "resultsPerPage": 5},
        "items": [
            {
                "kind": "youtube#channel",
                "etag": f"{channel_id}-{_stamp(at)}",
                "id": channel_id,
                "snippet": {"title": title},
                "statistics": {
                    "viewCount": str(views),
                    # YouTube shows subscriber counts rounded to three significant figures
                    "subscriberCount": str(int(float(f"{subscribers:.3g}"))),
                    "hiddenSubscriberCount": False,
                    "videoCount": str(videos),
                },
            }
            for channel_id, title, subscribers, views, videos in channels
        ],
    }


def _listing(at: datetime, subreddit: str, rng: random.Random) -> dict[str, object]:
    posts = []
    for index in range(5):
        created = datetime(2026, 5, 20, 12, tzinfo=UTC) + timedelta(days=index * 9)
        if created > at:
            continue
        age = (at - created).total_seconds() / 86400
        hype = 3.0 if subreddit == "levelzero" and at.date() >= date(2026, 6, 14) else 1.0
        score = int(400 * hype * math.log1p(age) * (1 + index / 4))
        post_id = ("1lz0" if subreddit == "levelzero" else "1mov") + f"{index:03d}"
        if subreddit == "movies" and index == 1:
            post_id = "1sflg01"  # the Starfall Legacy discussion thread, linked by id
        posts.append(
            {
                "kind": "t3",
                "data": {
                    "id": post_id,
                    "name": f"t3_{post_id}",
                    "subreddit": subreddit,
                    "title": f"Post {index} in r/{subreddit}",
                    "score": score,
                    "ups": score,
                    "upvote_ratio": round(rng.uniform(0.88, 0.98), 2),
                    "num_comments": score // 9,
                    "subreddit_subscribers": 48_000 if subreddit == "levelzero" else 33_000_000,
                    "created_utc": created.timestamp(),
                    "permalink": f"/r/{subreddit}/comments/{post_id}/post_{index}/",
                },
            }
        )
    return {"kind": "Listing", "data": {"after": None, "dist": len(posts), "children": posts}}


def _links_csv() -> str:
    return "platform,object_id,film_id,role\n" + "".join(",".join(link) + "\n" for link in LINKS)


def _envelope(at: datetime, response: dict[str, object]) -> str:
    return json.dumps({"fetched_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "response": response}, indent=1)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%SZ")
