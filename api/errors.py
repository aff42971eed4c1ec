"""Every error leaves the API as JSON {"error": "<human sentence>", "code": "<stable id>",
"retryable": <bool>}: people read `error`, programs branch on `code` (never on the wording)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.domain_errors import (
    Conflict,
    DatabaseUnavailable,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    OutOfPages,
    RateLimited,
    TooLarge,
    Unauthenticated,
    Unavailable,
)
from core.text import shown

log = logging.getLogger("docparse.api")


# The code when a call site names none.
DEFAULT_CODES = {
    400: "invalid_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "file_too_large", 429: "rate_limited",
    500: "internal_error", 503: "unavailable",
}


def default_retryable(status: int) -> bool:
    """Worth sending the same request again later: overload and outages, not client mistakes."""
    return status in (429, 503) or status >= 500


def error_body(status: int, message: str, code: str | None = None, retryable: bool | None = None,
               details: dict[str, str] | None = None) -> dict:
    return {
        "error": message,
        "code": code or DEFAULT_CODES.get(status, "error"),
        "retryable": default_retryable(status) if retryable is None else retryable,
        **(details or {}),
    }


# Domain error class -> HTTP status: the only place services' refusals meet HTTP. Looked up along
# the class's MRO, so a subclass (DatabaseUnavailable) answers as its base unless listed itself.
STATUS: dict[type[DomainError], int] = {
    Invalid: 400, Unauthenticated: 401, Forbidden: 403, OutOfPages: 403, NotFound: 404, Conflict: 409,
    TooLarge: 413, RateLimited: 429, Unavailable: 503,
}


def status_of(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500  # a DomainError subclass nobody mapped: a bug of ours, said as one


def domain_error_response(exc: DomainError) -> JSONResponse:
    status = status_of(exc)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return JSONResponse(error_body(status, exc.message, exc.code, exc.retryable, exc.details), status_code=status,
                        headers=headers)


def _location(loc: tuple) -> str:
    parts: list[str] = []
    for p in loc:
        if p in ("body", "query", "path", "header"):
            continue
        parts.append(f"[{p}]" if isinstance(p, int) else ("." if parts else "") + shown(str(p)))  # a key, cut short
    return "".join(parts) or "request"


def validation_message(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        loc = err.get("loc", ())
        if loc and loc[0] == "body" and len(loc) == 1 and err.get("type") == "json_invalid":
            problems.append("the body is not valid JSON")
            continue
        if loc and loc[0] == "body" and len(loc) == 1 and err.get("type") == "missing":
            problems.append("the request needs a JSON body")
            continue
        problems.append(f"{_location(tuple(loc))}: {msg}")
    more = len(exc.errors()) - 5
    return "invalid request: " + "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _allowed_methods(request: Request) -> str:
    """Every method of the path, for a 405's Allow header. Starlette names only the first route
    that matched the path, and GET and POST of one path are separate routes here."""
    scope = {**request.scope, "method": ""}  # matches no route fully: path-only matching
    methods: set[str] = set()
    for route in request.app.router.routes:
        if route.matches(scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError):
        if isinstance(exc, DatabaseUnavailable):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.cause)
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError):
        return JSONResponse(error_body(400, validation_message(exc), "invalid_request"), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        headers, code = exc.headers, None
        if exc.status_code == 404 and message == "Not Found":
            message, code = "no such endpoint", "no_such_endpoint"
        elif exc.status_code == 405:
            message = "method not allowed on this endpoint"
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return JSONResponse(error_body(exc.status_code, message, code), status_code=exc.status_code, headers=headers)

    # Data access turns a lost connection into DatabaseUnavailable; these catch what escapes it
    # (a full pool, an error outside a unit of work) with the same answer.
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)  # every connection busy: overload, answered like an outage
    async def _database_down(request: Request, exc: Exception):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return domain_error_response(DatabaseUnavailable(type(exc).__name__))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body(500, "internal error; it has been logged"), status_code=500)
