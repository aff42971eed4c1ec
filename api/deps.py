"""Request dependencies: state, database session, the calling account."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from api.errors import ApiError
from api.state import AppState
from core.accounts import find_key
from core.tables import Account, ApiKey


def get_state(request: Request) -> AppState:
    return request.app.state.docparse


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    with Session(state.db, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# Declared for the OpenAPI document (the docs page gets an "Authorize" button); we raise our
# own JSON errors, so auto_error is off.
bearer_scheme = HTTPBearer(auto_error=False, description="an API key from `docparse keys create`")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def current_account(request: Request, credentials: BearerDep, state: StateDep, session: SessionDep) -> Account:
    if credentials is None or not credentials.credentials.strip():
        raise ApiError(401, "missing API key: send 'Authorization: Bearer <key>'")
    key: ApiKey | None = find_key(session, credentials.credentials.strip())
    if key is None:
        raise ApiError(401, "invalid API key")
    if key.revoked_at is not None:
        raise ApiError(403, "this API key has been revoked")
    _rate_limit(state, key.id)
    request.state.api_key = key  # who is calling: reviewers are recorded by key name and id
    account = session.get(Account, key.account_id)
    if account is None:
        raise ApiError(401, "invalid API key")
    return account


def _rate_limit(state: AppState, key_id: str) -> None:
    for item in state.limits:
        if not state.limiter.hit(item, key_id):
            reset, _ = state.limiter.get_window_stats(item, key_id)
            retry_after = max(1, int(reset - time.time()) + 1)
            raise ApiError(
                429,
                f"rate limit exceeded ({item}); retry after {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )


AccountDep = Annotated[Account, Depends(current_account)]
