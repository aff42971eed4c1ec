"""Idempotency-Key on batch upload: the same key and request within 24 h give the batch it made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from api.data import idempotency as data
from api.domain_errors import Conflict, Invalid
from core.models import Batch

TTL = timedelta(hours=24)


def checked_key(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not 1 <= len(raw) <= 255 or not raw.isascii() or not raw.isprintable():
        raise Invalid("invalid_request", "Idempotency-Key must be 1 to 255 printable ASCII characters")
    return raw


def earlier_batch(*, db: Engine, account_id: str, key: str, fingerprint: str) -> Batch | None:
    """The batch an earlier request with this key made (None: the key is new or expired);
    Conflict when the key came with a different request."""
    found = data.find(db=db, account_id=account_id, key=key, ttl=TTL)
    if found is None:
        return None
    request_hash, batch = found
    if request_hash != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            f"Idempotency-Key '{key}' was used within 24 h for a different request (other extraction, "
            "name or files); use a new key for a new batch",
        )
    return batch
