"""What services (and the upload parser, and data access) refuse with: a stable `code` for programs
and a sentence for people. No HTTP here: api/errors.py maps each class to its status, once."""

from __future__ import annotations

from core.text import shown


class DomainError(Exception):
    """A refusal the caller can act on. `retryable` None: the status's own rule decides."""

    def __init__(self, code: str, message: str, *, retryable: bool | None = None,
                 retry_after: int | None = None, details: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after  # seconds; becomes a Retry-After header
        self.details = details or {}  # more members of the error body, for programs (e.g. batch_id)


class Invalid(DomainError):
    """The request itself is wrong (a field, a query, a file): sending it again will not help."""


class Unauthenticated(DomainError):
    """No key, or one we do not know."""


class Forbidden(DomainError):
    """A known caller that may not do this (a revoked key)."""


class OutOfPages(DomainError):
    def __init__(self, needed: int, left: int):
        super().__init__("out_of_pages",
                         f"out of pages: this batch has {needed} pages and the account has {left} left")


class NotFound(DomainError):
    # One answer for "does not exist" and "belongs to someone else": existence is never revealed.
    def __init__(self, what: str, ident: str, *, code: str = "not_found", message: str | None = None):
        super().__init__(code, message or f"{what} '{shown(ident)}' was not found")


class Conflict(DomainError):
    """The object is not in a state that allows this (no result yet, a stale review, a reused key)."""


class TooLarge(DomainError):
    """A file, or the whole upload, over the size limit."""


class RateLimited(DomainError):
    def __init__(self, message: str, *, retry_after: int):
        super().__init__("rate_limited", message, retry_after=retry_after)


class Unavailable(DomainError):
    """Something we depend on is not answering right now."""


class DatabaseUnavailable(Unavailable):
    """The database refused or lost the connection (api/data/session.py raises it)."""

    def __init__(self, cause: str = "unknown"):
        super().__init__("database_unavailable",
                         "the database is unavailable right now; retry in a few seconds", retry_after=5)
        self.cause = cause  # the driver error's class name, for the log
