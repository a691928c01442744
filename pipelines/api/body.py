"""Receiving a body: streamed to its temp file under the size limit, hashed on the way, checked cheaply.

The checks only refuse what the loader would certainly not read as the source's format;
the loader does the full validation. They look at the body's start (kept while it
streams, at most `HEAD_BYTES`), except for JSON, which is either valid or not as a whole:
that is asked of DuckDB's JSON parser, the one the loader reads it with.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
from starlette.requests import Request

from pipelines.api.errors import ApiError
from pipelines.lib.loading import SourceSpec
from pipelines.lib.loading.readers.documents import NO_OBSERVATION_TIME, STAMPED_TIME
from pipelines.lib.loading.sql import literal

HEAD_BYTES = 1 << 20  # what the start-of-body checks see: a header line, a first record
# A NUL byte this early means binary, not text: the test git and grep use to tell them apart.
BINARY_SNIFF_BYTES = 8000


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


@dataclass(frozen=True)
class Streamed:
    sha256: str
    size: int
    head: bytes  # the first HEAD_BYTES of the body


def too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the body is over the limit of {limit:,} bytes (BACKLOT_INGEST_MAX_BYTES)")


def check_declared_length(request: Request, limit: int) -> None:
    """Refuse before reading a byte when Content-Length already says the body is over the limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise too_large(limit)


async def receive(request: Request, handle: BinaryIO, limit: int) -> Streamed:
    """Stream the body into `handle`: never more than `limit` bytes, never the whole body in memory.

    A body that goes over the limit, or starts like a binary file, is refused as soon as
    that is known: the rest is not read.
    """
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    async for chunk in request.stream():
        if not chunk:
            continue
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        if len(head) < HEAD_BYTES:
            sniffed = len(head) < BINARY_SNIFF_BYTES
            head += chunk[: HEAD_BYTES - len(head)]
            if sniffed and b"\0" in head[:BINARY_SNIFF_BYTES]:
                raise ApiError(
                    415, "not_text", "the body is binary (a NUL byte near its start); every source takes text files"
                )
        digest.update(chunk)
        # Into the page cache: cheap enough to do here; the fsync, the slow part, is done off the event loop.
        handle.write(chunk)
    return Streamed(digest.hexdigest(), size, bytes(head))


def check_head(spec: SourceSpec, fmt: str, received: Streamed) -> None:
    """The checks on the body's start, for its format (CSV, JSON Lines); ApiError 422 when certainly not that."""
    if received.size == 0:
        raise ApiError(422, "empty_body", "the body is empty")
    if fmt == "csv":
        _check_csv_header(spec, received.head)
    elif fmt == "jsonl":
        _check_first_json_line(received.head, complete=received.size <= len(received.head))


def _check_csv_header(spec: SourceSpec, head: bytes) -> None:
    # The loader matches the header's names to the source's columns (by name or alias) after
    # DuckDB has split and unquoted them, so each matched name is somewhere in the text: a
    # start that holds none of them has no header the loader could match.
    text = head.decode("utf-8", errors="replace").lower()
    names = [name.lower() for column in spec.columns for name in (column.name, *column.aliases)]
    if not any(name in text for name in names):
        expected = ", ".join(spec.required or [c.name for c in spec.columns][:4])
        raise ApiError(
            422,
            "not_csv",
            f"{spec.no_header_reason}: the body's start names none of {spec.name}'s columns (such as {expected})",
        )


def _check_first_json_line(head: bytes, *, complete: bool) -> None:
    # Lenient where the loader might not refuse: a byte-order mark, bytes that are not UTF-8
    # (inside a string they only spoil that value); only the line's structure is judged.
    lines = head.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if number == len(lines) and not complete:
            return  # the first record runs past the start kept: the loader will judge it
        try:
            record = json.loads(line.decode("utf-8", errors="replace"), strict=False)
        except ValueError:
            raise ApiError(
                422, "not_json_lines", f"line {number} is not JSON: JSON Lines hold one JSON object per line"
            ) from None
        if not isinstance(record, dict):
            kind = _JSON_TYPES.get(type(record), "value")
            raise ApiError(
                422, "not_json_lines", f"line {number} is a JSON {kind}, not an object: one JSON object per line"
            )
        return


def check_json_file(spec: SourceSpec, path: Path, file_name: str) -> None:
    """A JSON body must be valid JSON, an array of records or (an API response) an object with a time.

    Blocking (DuckDB reads the file): run it off the event loop.
    """
    document = spec.document is not None
    con = duckdb.connect(config={"threads": 1})
    try:
        row = con.execute(
            f"""SELECT json_valid(content),
                       CASE WHEN json_valid(content) THEN json_type(content) END,
                       CASE WHEN json_valid(content) THEN json_type(content, '$.response') = 'OBJECT'
                            AND (content ->> '$.fetched_at') IS NOT NULL END,
                       {STAMPED_TIME} IS NOT NULL
                FROM (SELECT content, {literal(file_name)} AS _file_name FROM read_text({literal(str(path))}))"""
        ).fetchone()
    except duckdb.InvalidInputException:
        raise ApiError(422, "not_json", "the body is not UTF-8 text, so not JSON") from None
    finally:
        con.close()
    assert row is not None
    valid, kind, enveloped, stamped = row
    if not valid:
        raise ApiError(422, "not_json", "the body is not valid JSON (truncated or malformed)")
    expected = "OBJECT" if document else "ARRAY"
    if kind != expected:
        what = "an API response (a JSON object)" if document else "a JSON array of records"
        raise ApiError(422, "not_json", f"expected {what}, found a JSON {str(kind).lower()}")
    if document and not enveloped and not stamped:
        raise ApiError(422, "no_observation_time", NO_OBSERVATION_TIME)
