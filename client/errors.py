"""Exceptions of the docparse client.

Every error the API answers is JSON ``{"error": str, "code": str, "retryable": bool}``; it becomes an
:class:`ApiError` subclass chosen by the HTTP status, carrying ``status``, ``code`` (stable, for
programs: branch on it, never on the wording) and ``message`` (for people).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import httpx


class DocparseError(Exception):
    """Base of every exception raised by the client."""


class ConfigError(DocparseError, ValueError):
    """The client is missing its base URL or API key, or got an invalid argument."""


class ApiConnectionError(DocparseError):
    """The API could not be reached (or the connection broke) and retrying did not help."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url


class WaitTimeout(DocparseError, TimeoutError):
    """``wait_for_batch`` gave up before the batch reached a terminal status."""


class ApiError(DocparseError):
    """The API answered with an error status."""

    def __init__(
        self, status: int, code: str, message: str, *, retryable: bool = False,
        retry_after: float | None = None, method: str | None = None, url: str | None = None,
        body: Any = None, headers: dict[str, str] | None = None,
    ):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.method = method
        self.url = url
        self.body = body
        self.headers = headers or {}

    @property
    def batch_id(self) -> str | None:
        """``batch_not_scheduled_yet`` (503): the batch that was stored; it is started automatically."""
        return self.body.get("batch_id") if isinstance(self.body, dict) else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r})"


class BadRequest(ApiError):
    """400: bad JSON body, schema or query, or an upload the API refuses (e.g. ``document_rejected``)."""


class AuthError(ApiError):
    """401 (missing or unknown key) or 403 (revoked key, ``out_of_pages``)."""


class NotFound(ApiError):
    """404: unknown id, or another account's."""


class Conflict(ApiError):
    """409: the object's state does not allow it (``no_result_yet``, ``awaiting_review``, ``review_stale``,
    ``idempotency_key_reused`` ...)."""


class PayloadTooLarge(ApiError):
    """413: a file over the per-file size limit (``file_too_large``), or a JSON body over the API's
    limit (``body_too_large``)."""


class RateLimited(ApiError):
    """429: the key's rate limit; ``retry_after`` says how long to wait."""


class ServerError(ApiError):
    """5xx: the API or one of its servers is unavailable (``database_unavailable``,
    ``batch_not_scheduled_yet``, ``internal_error`` ...)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest, 401: AuthError, 403: AuthError, 404: NotFound, 409: Conflict,
    413: PayloadTooLarge, 429: RateLimited,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(response: httpx.Response) -> ApiError:
    """The typed exception for an error response (any body: JSON error object or not)."""
    status = response.status_code
    body: Any = None
    code, message, retryable = None, None, None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None
        message = body.get("error") if isinstance(body.get("error"), str) else None
        retryable = body.get("retryable") if isinstance(body.get("retryable"), bool) else None
    if message is None:
        text = response.text.strip() if body is None else ""
        message = text[:500] or response.reason_phrase or f"HTTP {status}"
    if code is None:
        code = {400: "invalid_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                409: "conflict", 413: "file_too_large", 429: "rate_limited"}.get(
            status, "internal_error" if status >= 500 else "error")
    if retryable is None:
        retryable = status == 429 or status >= 500
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a Response built by hand, without its request
        request = None
    return cls(
        status, code, message, retryable=retryable,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        method=request.method if request else None, url=str(request.url) if request else None,
        body=body, headers=dict(response.headers),
    )
