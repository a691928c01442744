"""The bearer token: `Authorization: Bearer <BACKLOT_INGEST_TOKEN>`, compared in constant time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipelines.api.errors import ApiError
from pipelines.lib.tokens import digest, matches

# Parses the header and describes the scheme in the OpenAPI document; it refuses nothing
# itself (auto_error=False), so every refusal is ours: a 401 with an ErrorBody.
_SCHEME = HTTPBearer(auto_error=False, scheme_name="ingestToken", description="the value of BACKLOT_INGEST_TOKEN")


def bearer(token: str | None) -> Callable[..., Awaitable[None]]:
    """A dependency that lets a request through only with the token; with no token, every request."""
    expected = None if token is None else digest(token)

    async def authorize(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_SCHEME)]) -> None:
        if expected is None:
            return
        if credentials is None:
            raise _refused("send Authorization: Bearer <token>")
        if not matches(credentials.credentials, expected):
            raise _refused("the token is not the ingest token")

    return authorize


def _refused(detail: str) -> ApiError:
    return ApiError(401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="backlot-ingest"'})
