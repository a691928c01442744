"""The dashboard's data: published marts through Arrow into Polars frames, cached per publish.

A publish never changes once made, so everything read for publish N is kept for as long as
the process lives (bounded by `CACHED_PUBLISHES`): a page view after the first costs no query.
Every read goes through `query.open_published`, the read-only connection `backlot sql` uses,
and every filter a visitor chooses is applied here, in Polars, or bound as a parameter:
nothing a browser sends becomes SQL text.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import query

CACHED_PUBLISHES = 8

# The marts read whole: one row per film or per shot or per film-day, small beside the
# daily grosses and social observations, which are read one film at a time.
WHOLE_MARTS = (
    "film_capital_efficiency",
    "production_model_comparison",
    "production_efficiency",
    "render_efficiency",
    "render_daily",
)


class NothingPublished(Exception):
    """The lake exists but no pass has published yet, or there is no lake."""


@dataclass(frozen=True)
class PublishInfo:
    publish_id: int
    published_at: datetime
    readable: bool  # false once lake maintenance has expired its snapshot
    latest: bool

    @property
    def label(self) -> str:
        when = f"{self.published_at:%Y-%m-%d %H:%M} UTC"
        return f"Publish {self.publish_id} · {when}" + (" (latest)" if self.latest else "")


@dataclass(frozen=True)
class Snapshot:
    """What one publish exposed: the small marts whole, and which marts it had at all."""

    publish_id: int
    published_at: datetime
    marts: dict[str, pl.DataFrame]

    def mart(self, name: str) -> pl.DataFrame | None:
        """The mart as published, or None when this publish did not have it."""
        return self.marts.get(name)


def publishes() -> list[PublishInfo]:
    """Every publish, newest first: read on each page load and each refresh of the picker."""
    try:
        rows = _listing.rows(
            "SELECT p.publish_id, p.published_at, s.snapshot_id IS NOT NULL "
            "FROM meta.publishes p LEFT JOIN ducklake_snapshots('lake') s USING (snapshot_id) "
            "ORDER BY p.publish_id DESC"
        )
    except query.QueryError as error:
        raise NothingPublished(str(error)) from error
    if not rows:
        raise NothingPublished("nothing is published yet: run `backlot run` or `backlot demo` first")
    return [PublishInfo(int(pid), at, bool(kept), i == 0) for i, (pid, at, kept) in enumerate(rows)]


class _Listing:
    """One read-only connection kept for reading `meta.publishes`: opening one costs a quarter second.

    Each query on it sees the lake's latest commit. It holds no snapshot between queries,
    so it pins nothing maintenance wants to delete; if it breaks, it is reopened once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._connection().execute(sql).fetchall()
            except duckdb.Error:
                self.close()
                return self._connection().execute(sql).fetchall()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = query.open_published()
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


_listing = _Listing()


@functools.lru_cache(maxsize=CACHED_PUBLISHES)
def snapshot(publish_id: int) -> Snapshot:
    """The small marts of publish `publish_id` (raises QueryError when it cannot be read)."""
    # The publish's own row is committed with it, after the snapshot it pins: read it now.
    rows = _listing.rows(
        f"SELECT published_at, map_keys(mart_rows) FROM meta.publishes WHERE publish_id = {int(publish_id)}"
    )
    if not rows:
        raise query.QueryError(f"no publish with id {publish_id}")
    published_at, present = rows[0]
    with _reading(publish_id) as con:
        marts = {name: con.execute(f"SELECT * FROM {name}").pl() for name in WHOLE_MARTS if name in present}
    return Snapshot(publish_id, published_at, marts)


@functools.lru_cache(maxsize=CACHED_PUBLISHES * 32)
def daily_gross(publish_id: int, film_id: str) -> pl.DataFrame:
    """One film's gross per day: domestic, and summed over every territory (worldwide)."""
    matches, params = _film_is(film_id)
    with _reading(publish_id) as con:
        return con.execute(
            "SELECT date, sum(gross_usd) FILTER (WHERE territory = 'domestic') AS domestic_gross_usd, "
            "sum(gross_usd) AS worldwide_gross_usd "
            f"FROM box_office_daily WHERE {matches} GROUP BY date ORDER BY date",
            params,
        ).pl()


@functools.lru_cache(maxsize=CACHED_PUBLISHES * 32)
def social(publish_id: int, film_id: str) -> pl.DataFrame:
    """One film's social momentum, every platform, by day."""
    matches, params = _film_is(film_id)
    with _reading(publish_id) as con:
        return con.execute(f"SELECT * FROM social_momentum WHERE {matches} ORDER BY date, platform", params).pl()


def _film_is(film_id: str) -> tuple[str, list[str]]:
    """The condition on `film_id` for a film a visitor chose: bound as a parameter, never SQL text.

    An id holding a NUL byte matches no film, and is not bound at all: DuckLake pushes the
    bound value into the query it sends its catalog, where the string ends at the NUL, and the
    read failed with a ParserException (a 500) instead of finding nothing.
    """
    return ("false", []) if "\0" in film_id else ("film_id = ?", [film_id])


@functools.lru_cache(maxsize=CACHED_PUBLISHES)
def social_films(publish_id: int) -> tuple[str, ...]:
    """Films with social observations, the most viewed first."""
    with _reading(publish_id) as con:
        return tuple(
            film
            for (film,) in con.execute(
                "SELECT film_id FROM social_momentum GROUP BY film_id ORDER BY max(views) DESC NULLS LAST, film_id"
            ).fetchall()
        )


# One cold read at a time: two visitors of a new publish share the one read.
_cold_read = threading.Lock()


@contextlib.contextmanager
def _reading(publish_id: int) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection showing exactly publish `publish_id`.

    The latest publish is read through the published views, inside one transaction with the
    check that it is still the latest, so a publish landing meanwhile cannot mix in; an older
    one through `--as-of` (its snapshot). Connections are short-lived: holding one open would
    pin an old snapshot that lake maintenance may delete.
    """
    with _cold_read:
        con = query.open_published()
        try:
            con.execute("BEGIN TRANSACTION")
            latest = con.execute("SELECT max(publish_id) FROM meta.publishes").fetchone()
            if latest is None or latest[0] != publish_id:
                con.close()
                con = query.open_published(publish_id)
            yield con
        finally:
            con.close()
