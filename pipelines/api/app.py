"""The ingest API: producers push files into the landing zone over HTTP.

    POST /v1/landing/{source}   the body is the file   -> 202 landed, 200 already received
    GET  /healthz                                      -> 200 {"status": "ok"}
    GET  /openapi.json

A request only lands a file, exactly as `backlot ingest` does (temp name, fsync, link, never
over a waiting file); the pipeline loads it later. Nothing here imports Dagster.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from pipelines.api import auth, body, errors, names
from pipelines.api.errors import ApiError, ErrorBody
from pipelines.api.received import ReceivedContent
from pipelines.lib import landing
from pipelines.lib.loading import SourceSpec
from pipelines.settings import Settings
from pipelines.sources import SOURCES

logger = logging.getLogger("backlot.api")


class NoToken(Exception):
    """The API was asked to start without a token and without --insecure-no-auth."""


class Receipt(BaseModel):
    sha256: str  # of the body, as received
    duplicate: bool  # true: this content was already received; nothing was written
    source: str
    file_name: str  # the name it landed under; for a duplicate, the name it was first received under


class Health(BaseModel):
    status: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        401: "no token, a wrong token or another scheme than Bearer",
        404: "no such source",
        413: "the body is over BACKLOT_INGEST_MAX_BYTES",
        415: "the format cannot be told, is not one the source takes, or the body is binary",
        422: "an unusable X-Backlot-Filename, a missing one, an empty body, or a body that is not its format",
        500: "an unexpected error (logged)",
    }.items()
}
_BODY = {"schema": {"type": "string", "format": "binary"}}
_MEDIA_TYPES = ("text/csv", "application/json", "application/x-ndjson", "text/plain", "application/octet-stream")


def create_app(settings: Settings, *, insecure_no_auth: bool = False) -> FastAPI:
    """The API over `settings`' landing zone; NoToken unless a token is set or `insecure_no_auth`.

    With a token set, every delivery needs it, whatever `insecure_no_auth` says: the flag
    only allows starting without one.
    """
    if not settings.ingest_token and not insecure_no_auth:
        raise NoToken("no ingest token: set BACKLOT_INGEST_TOKEN, or pass --insecure-no-auth to accept anyone")
    # The interactive docs pages load their scripts from a CDN these machines cannot reach:
    # only the OpenAPI document is served.
    app = FastAPI(
        title="Backlot ingest API",
        version="1",
        summary="Push files into Backlot's landing zone; the pipeline loads them.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    errors.install(app)
    received = ReceivedContent(settings)
    # Deliveries of one source take turns between looking for the same content and landing,
    # so two identical bodies sent at once land once.
    locks = {name: threading.Lock() for name in SOURCES}
    authorize = auth.bearer(settings.ingest_token or None)

    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz() -> Health:
        """Liveness: answers without a token."""
        return Health(status="ok")

    @app.post(
        "/v1/landing/{source}",
        status_code=202,
        response_model=Receipt,
        responses={200: {"model": Receipt, "description": "already received: nothing was written"}, **_ERRORS},
        dependencies=[Depends(authorize)],
        openapi_extra={"requestBody": {"required": True, "content": dict.fromkeys(_MEDIA_TYPES, _BODY)}},
        summary="Land a file in landing/{source}/",
        tags=["landing"],
    )
    async def land(
        source: Annotated[str, PathParam(description=f"the landing source: {', '.join(SOURCES)}")],
        request: Request,
        # Declared for the OpenAPI document; the name is read from the raw header, as UTF-8.
        x_backlot_filename: Annotated[
            str | None,
            Header(description="the file's name (needed for render_logs and gpu_metrics); UTF-8, no path"),
        ] = None,
    ) -> JSONResponse:
        """Land the body as a file of `source` (one of the landing sources, e.g. `films`, `render_events`)."""
        # Looked up by name only: the path's text never touches the file system.
        spec = SOURCES.get(source)
        if spec is None:
            raise ApiError(404, "unknown_source", f"no source {source[:100]!r}; the sources are {', '.join(SOURCES)}")
        naming = names.choose(spec, names.header_value(_raw_header(request)), request.headers.get("content-type"))
        limit = settings.ingest_max_bytes
        body.check_declared_length(request, limit)
        source_dir = settings.landing(spec.name)
        with landing.temp_file(source_dir, "api") as (handle, temp):
            got = await body.receive(request, handle, limit)
            handle.flush()
            body.check_head(spec, naming.fmt, got)
            file_name = naming.file_name(got.sha256)
            if naming.fmt == "json":
                await run_in_threadpool(body.check_json_file, spec, temp, file_name)
            receipt = await run_in_threadpool(_land, spec, source_dir, temp, file_name, got)
        return JSONResponse(receipt.model_dump(), status_code=200 if receipt.duplicate else 202)

    def _land(spec: SourceSpec, source_dir: Path, temp: Path, file_name: str, got: body.Streamed) -> Receipt:
        earlier = received.loaded_name(spec.name, got.sha256)
        if earlier is None:
            with locks[spec.name]:
                earlier = received.waiting_name(spec.name, source_dir, got.sha256)
                if earlier is None:
                    target = landing.place(source_dir, temp, file_name)
                    received.remember(spec.name, target, got.sha256)
                    logger.info("landed %s/%s: %d bytes, sha256 %s", spec.name, target.name, got.size, got.sha256)
                    return Receipt(sha256=got.sha256, duplicate=False, source=spec.name, file_name=target.name)
        logger.info("duplicate of %s/%s: sha256 %s, nothing written", spec.name, earlier, got.sha256)
        return Receipt(sha256=got.sha256, duplicate=True, source=spec.name, file_name=earlier)

    return app


def _raw_header(request: Request) -> bytes | None:
    """X-Backlot-Filename's bytes as sent (at most once), for `names.header_value` to read as UTF-8."""
    values = [value for key, value in request.scope["headers"] if key == b"x-backlot-filename"]
    if len(values) > 1:
        raise names.invalid(f"send {names.HEADER} once")
    return values[0] if values else None
