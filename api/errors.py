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


def error_body(status: int, message: str, code: str | None = None, retryable: bool | None = None) -> dict:
    return {
        "error": message,
        "code": code or DEFAULT_CODES.get(status, "error"),
        "retryable": default_retryable(status) if retryable is None else retryable,
    }


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, *,
                 code: str | None = None, retryable: bool | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.code = code
        self.retryable = retryable

    def body(self) -> dict:
        return error_body(self.status, self.message, self.code, self.retryable)


def not_found(what: str, ident: str) -> ApiError:
    # Same answer for "does not exist" and "belongs to someone else": never reveal existence.
    return ApiError(404, f"{what} '{ident}' was not found", code="not_found")


def _location(loc: tuple) -> str:
    parts: list[str] = []
    for p in loc:
        if p in ("body", "query", "path", "header"):
            continue
        parts.append(f"[{p}]" if isinstance(p, int) else ("." if parts else "") + str(p))
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
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError):
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

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

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)  # every connection busy: overload, answered like an outage
    async def _database_down(request: Request, exc: Exception):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse(
            error_body(503, "the database is unavailable right now; retry in a few seconds", "database_unavailable"),
            status_code=503, headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body(500, "internal error; it has been logged"), status_code=500)
