"""Who is calling: the API key, its account, and the key's rate limit."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass

from limits import RateLimitItem
from limits.strategies import RateLimiter
from sqlalchemy.engine import Engine

from api.data import accounts as data
from api.domain_errors import DatabaseUnavailable, Forbidden, RateLimited, Unauthenticated
from core.accounts import hash_key
from core.models import Account, ApiKey


@dataclass(frozen=True)
class Caller:
    key: ApiKey  # reviewers are recorded by key name and id
    account: Account


def authenticate(*, db: Engine, known_keys: MutableMapping, plaintext: str | None) -> Caller:
    """The key's caller; while the database is unreachable, the last answer it gave for the key
    (`known_keys`, api/state.py), so status reads keep working through an outage."""
    plaintext = (plaintext or "").strip()
    if not plaintext:
        raise Unauthenticated("missing_api_key", "missing API key: send 'Authorization: Bearer <key>'")
    digest = hash_key(plaintext)
    try:
        key, account = data.key_and_account(db=db, plaintext=plaintext)
    except DatabaseUnavailable:
        known = known_keys.get(digest)
        if known is None:
            raise
        key, account = known
    else:
        if key is not None and account is not None:
            known_keys[digest] = (key, account)
    if key is None or account is None:
        raise Unauthenticated("invalid_api_key", "invalid API key")
    if key.revoked_at is not None:
        raise Forbidden("api_key_revoked", "this API key has been revoked")
    return Caller(key=key, account=account)


def check_rate(*, limiter: RateLimiter, limits: list[RateLimitItem], key_id: str) -> None:
    for item in limits:
        if not limiter.hit(item, key_id):
            reset, _ = limiter.get_window_stats(item, key_id)
            retry_after = max(1, int(reset - time.time()) + 1)
            raise RateLimited(f"rate limit exceeded ({item}); retry after {retry_after} s", retry_after=retry_after)
