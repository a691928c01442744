"""Shared-secret tokens (the ingest API's, the dashboard's), compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def digest(token: str) -> bytes:
    # Compared as digests: equal lengths, so the comparison's time says nothing about the token's length.
    return hashlib.sha256(token.encode("utf-8", errors="surrogateescape")).digest()


def matches(given: str | None, expected: bytes) -> bool:
    return given is not None and hmac.compare_digest(digest(given), expected)
