"""Request dependencies: state, database session, the calling account."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api.errors import ApiError
from api.state import AppState
from core.accounts import find_key_and_account, hash_key
from core.db import DB_UNAVAILABLE
from core.models import Account, ApiKey


# Dependencies are `async def`: FastAPI runs a plain `def` dependency in its thread pool, and on
# a busy machine each such hop (three per request) cost more than the work itself. The database
# calls here are short index lookups, made on the event loop.


async def get_state(request: Request) -> AppState:
    return request.app.state.docparse


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[Session]:
    session = Session(state.db, expire_on_commit=False)
    try:
        yield session
    finally:
        try:
            session.close()
        except DB_UNAVAILABLE:  # the connection died mid-request; the pool discards it
            session.invalidate()


# Async routes run their database calls on the event loop. A connection they hold across an
# await (or until this dependency's teardown, after the response is sent) can leave every pooled
# connection with a suspended request while the loop itself waits for one: the whole API stalls.
# So async routes commit before each await and close the session before they return
# (`with closing(session)`), and current_account commits before it returns.
SessionDep = Annotated[Session, Depends(get_session)]


# Declared for the OpenAPI document (the docs page gets an "Authorize" button); we raise our
# own JSON errors, so auto_error is off.
bearer_scheme = HTTPBearer(auto_error=False, description="an API key from `docparse keys create`")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def _lookup(session: Session, state: AppState, plaintext: str) -> tuple[ApiKey | None, Account | None]:
    digest = hash_key(plaintext)
    try:
        key, account = find_key_and_account(session, plaintext)
    except DB_UNAVAILABLE:
        session.rollback()
        if digest in state.known_keys:  # the database is down: the last answer it gave
            return state.known_keys[digest]
        raise
    if key is not None and account is not None:
        state.known_keys[digest] = (key, account)
    return key, account


async def current_account(request: Request, credentials: BearerDep, state: StateDep, session: SessionDep) -> Account:
    if credentials is None or not credentials.credentials.strip():
        raise ApiError(401, "missing API key: send 'Authorization: Bearer <key>'", code="missing_api_key")
    key, account = _lookup(session, state, credentials.credentials.strip())
    # Give the connection back to the pool now: the route may await for a long time (an upload
    # streaming, a workflow query) and holding a connection meanwhile exhausts the pool under load.
    session.commit()
    if key is None or account is None:
        raise ApiError(401, "invalid API key", code="invalid_api_key")
    if key.revoked_at is not None:
        raise ApiError(403, "this API key has been revoked", code="api_key_revoked")
    _rate_limit(state, key.id)
    request.state.api_key = key  # who is calling: reviewers are recorded by key name and id
    return account


def _rate_limit(state: AppState, key_id: str) -> None:
    for item in state.limits:
        if not state.limiter.hit(item, key_id):
            reset, _ = state.limiter.get_window_stats(item, key_id)
            retry_after = max(1, int(reset - time.time()) + 1)
            raise ApiError(
                429,
                f"rate limit exceeded ({item}); retry after {retry_after} s",
                headers={"Retry-After": str(retry_after)}, code="rate_limited",
            )


AccountDep = Annotated[Account, Depends(current_account)]
