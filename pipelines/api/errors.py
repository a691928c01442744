"""Every error the API answers is `{"error": "<code>", "detail": "<what to do>"}` with its status, never a traceback."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

logger = logging.getLogger("backlot.api")


class ErrorBody(BaseModel):
    error: str  # a stable code, e.g. `unknown_source`
    detail: str  # for people: what was wrong and what to send instead


class ApiError(Exception):
    """An answer other than success: raised anywhere in a request, rendered as an `ErrorBody`."""

    def __init__(self, status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers


def error_response(status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(error=error, detail=detail).model_dump(), status_code=status, headers=headers)


def _code(status: int) -> str:
    """`404` -> `not_found`: the code of a status the framework answers itself (an unknown path, a wrong method)."""
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.error, exc.detail, exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, _code(exc.status_code), str(exc.detail), dict(exc.headers or {}))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in exc.errors()
    )
    return error_response(422, "invalid_request", problems or "the request is not valid")


async def _client_disconnect(request: Request, exc: Exception) -> JSONResponse:
    # Nobody is left to read the answer; what was received is not kept (see `deliver`).
    logger.info("client left before the body was complete: %s %s", request.method, request.url.path)
    return error_response(400, "client_disconnected", "the connection closed before the whole body arrived")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Logged here with its traceback; the client learns only that it happened. Request
    # headers are never logged: the Authorization header carries the token.
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "internal_error", "an unexpected error occurred and was logged; sending the same body again is safe"
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into an `ErrorBody`."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ClientDisconnect, _client_disconnect)
    app.add_exception_handler(Exception, _unexpected)
