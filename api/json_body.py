"""JSON request bodies within the caps, for every route: read as they stream and refused with 413
at MAX_JSON_BODY_BYTES + 1 (a larger declared Content-Length at once, before reading), and a
string the databases cannot store (core/text.py), or NaN / Infinity (not JSON, though Python reads
them), refused with a 400 naming where it is.

FastAPI reads a route's body (request.body(), then request.json()) before anything else of the
route runs, so the caps live in the Request a route is given: CappedBodyRoute, the route class of
every router. The batch upload streams its multipart body itself (api/uploads.py, with its own
caps) and never calls body().
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

from api.domain_errors import DomainError, Invalid, TooLarge
from api.errors import domain_error_response, status_of
from core.limits import MAX_JSON_BODY_BYTES
from core.text import refused_character, shown


class _Refused(HTTPException):
    """A refusal raised while FastAPI reads the body: it lets an HTTPException through unchanged
    (any other exception there becomes a generic 400), and the route class answers it."""

    def __init__(self, error: DomainError):
        super().__init__(status_code=status_of(error), detail=error.message)
        self.error = error


def _too_large() -> _Refused:
    return _Refused(TooLarge("body_too_large", f"the request body is larger than {MAX_JSON_BODY_BYTES:,} bytes "
                             f"({MAX_JSON_BODY_BYTES // (1024 * 1024)} MB), the limit for a JSON body"))


def _no_constant(token: str) -> Any:
    """json.loads reads NaN and ±Infinity; JSON has no such values (pydantic writes them as null, so a
    correction of NaN would be approved as null)."""
    raise _Refused(Invalid("invalid_request", f"invalid request: the body contains {token}, which is not JSON "
                           "(a number must be finite)"))


def unstorable_text(value: Any) -> str | None:
    """Where in a parsed JSON value a string (or a key) holds a character no database stores, and
    which: "fields[2].description contains a NUL character (U+0000)"; None when there is none."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:  # not recursive: nesting is as deep as json.loads allowed
        path, node = stack.pop()
        if isinstance(node, str):
            why = refused_character(node)
            if why:
                return f"{path or 'the body'} contains {why}"
        elif isinstance(node, dict):
            for key, child in node.items():
                why = refused_character(key)
                if why:
                    return f"a key of {path or 'the body'} contains {why}"
                stack.append((f"{path}.{shown(key)}" if path else shown(key), child))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(node))
    return None


class CappedRequest(Request):
    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_JSON_BODY_BYTES:
                raise _too_large()
            chunks, size = [], 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > MAX_JSON_BODY_BYTES:
                    raise _too_large()
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            value = json.loads(await self.body(), parse_constant=_no_constant)
            problem = unstorable_text(value)
            if problem:
                raise _Refused(Invalid("invalid_request", f"invalid request: {problem}, which cannot be stored"))
            self._json = value
        return self._json


class CappedBodyRoute(APIRoute):
    """The route class of every router (tests/api/test_limits.py checks that none is left out)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def capped(request: Request) -> Response:
            try:
                return await handler(CappedRequest(request.scope, request.receive))
            except _Refused as e:
                return domain_error_response(e.error)

        return capped
