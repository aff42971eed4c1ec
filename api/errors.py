"""Every error leaves the API as JSON {"error": "<human sentence>"}."""

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


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def not_found(what: str, ident: str) -> ApiError:
    # Same answer for "does not exist" and "belongs to someone else": never reveal existence.
    return ApiError(404, f"{what} '{ident}' was not found")


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
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError):
        return JSONResponse({"error": validation_message(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        headers = exc.headers
        if exc.status_code == 404 and message == "Not Found":
            message = "no such endpoint"
        elif exc.status_code == 405:
            message = "method not allowed on this endpoint"
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)  # every connection busy: overload, answered like an outage
    async def _database_down(request: Request, exc: Exception):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse(
            {"error": "the database is unavailable right now; retry in a few seconds"},
            status_code=503, headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; it has been logged"}, status_code=500)
