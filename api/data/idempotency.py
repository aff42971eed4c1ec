"""Idempotency-Key rows of batch uploads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import col

from api.data.session import unit
from core.models import Batch, IdempotencyKey, utcnow


def find(*, db: Engine, account_id: str, key: str, ttl: timedelta) -> tuple[str, Batch | None] | None:
    """(the fingerprint of the request that used the key, the batch it made); None when the key is
    new or older than `ttl` (an expired row is removed)."""
    with unit(db) as session:
        row = session.get(IdempotencyKey, (account_id, key))
        if row is None:
            return None
        cutoff = utcnow() - ttl
        if row.created_at < cutoff:
            # a statement, not an ORM delete: two requests may expire the same key at once
            session.execute(delete(IdempotencyKey).where(
                col(IdempotencyKey.account_id) == account_id, col(IdempotencyKey.key) == key,
                col(IdempotencyKey.created_at) < cutoff))
            session.commit()
            return None
        return row.request_hash, session.get(Batch, row.batch_id)
