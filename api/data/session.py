"""One unit of work per data-access call: open a session, query, commit if it writes, close.

The API's handlers are `async` and call these on the event loop (a thread-pool hop per call cost
more than the query itself on a busy machine). A call runs to its end without awaiting, so no
session or pooled connection is ever held across an await: no request can hold a connection while
the loop waits for one (the pool wedge that once stalled the whole API), and nothing needs closing
after a route returns. Rows come back detached with their columns loaded (expire_on_commit off).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.domain_errors import DatabaseUnavailable
from core.db import DB_UNAVAILABLE


@contextmanager
def unit(db: Engine) -> Iterator[Session]:
    """A session for one unit of work; a lost or refused connection becomes DatabaseUnavailable
    (the callers that have a fallback, key and batch-status reads, catch that)."""
    session = Session(db, expire_on_commit=False)
    try:
        yield session
    except DB_UNAVAILABLE as e:
        raise DatabaseUnavailable(type(e).__name__) from None
    finally:
        try:
            session.close()
        except DB_UNAVAILABLE:  # the connection died mid-call; the pool discards it
            session.invalidate()
