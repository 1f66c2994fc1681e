"""RFC 9457 problem+json for every error, mapped in one table from domain errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from depotshare.domain.common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    StationError,
    StationOffline,
    StationTimeout,
    Unauthenticated,
)

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

# Order matters: the first matching class wins (StationOffline is a Conflict).
_STATUS: dict[type[DomainError], tuple[int, str]] = {
    StationOffline: (409, "Station Offline"),
    StationTimeout: (504, "Station Timeout"),
    StationError: (502, "Station Error"),
    NotFound: (404, "Not Found"),
    Forbidden: (403, "Forbidden"),
    Conflict: (409, "Conflict"),
    InvalidInput: (422, "Invalid Input"),
    Unauthenticated: (401, "Unauthorized"),
}


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, title = next((v for k, v in _STATUS.items() if isinstance(exc, k)), (400, "Bad Request"))
    extra = {"errors": [{"field": exc.path, "detail": exc.reason}]} if isinstance(exc, InvalidInput) else {}
    return problem(status, title, exc.detail, **extra)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field_path(tuple(e["loc"])), "detail": e["msg"]} for e in exc.errors()]
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return problem(400, "Bad Request", "the request body is not valid JSON", errors=errors)
    first = errors[0] if errors else {"field": "", "detail": "invalid request"}
    return problem(422, "Invalid Input", f"{first['field']}: {first['detail']}", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not Found", 405: "Method Not Allowed", 401: "Unauthorized"}.get(exc.status_code, "Error")
    return problem(exc.status_code, title, str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal Server Error", "an unexpected error occurred; it has been logged")


NUL_DETAIL = "the URL contains a NUL character"


class RejectNulInUrl:
    """A NUL byte in a path or query cannot name anything; answer 400 before any route sees it,
    as problem+json, or in the error format of a mounted protocol (`answers`: path prefix ->
    response, e.g. OCPI's envelope under /ocpi)."""

    def __init__(self, app: ASGIApp, answers: dict[str, Callable[[], Response]] | None = None) -> None:
        self.app = app
        self.answers = answers or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
            path = scope.get("path", "")
            if b"\x00" in raw or b"%00" in raw or "\x00" in path:
                mounted = (a for p, a in self.answers.items() if path == p or path.startswith(p + "/"))
                answer = next(mounted, None)
                response = answer() if answer else problem(400, "Bad Request", NUL_DETAIL)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
