"""Database tables. Ids are prefixed ULIDs; times are timezone-aware UTC."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always hands back an aware datetime (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def _time(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


def _json() -> Any:
    return Field(default=None, sa_column=Column(JSON))


class Account(SQLModel, table=True):
    __tablename__ = "accounts"
    id: str = Field(primary_key=True)
    name: str
    pages_limit: int
    pages_used: int = 0
    created_at: datetime = _time()
    webhook_secret: str | None = None  # whsec_...: signs webhook deliveries; shown once

    @property
    def pages_left(self) -> int:
        return max(self.pages_limit - self.pages_used, 0)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    name: str
    prefix: str
    key_hash: str = Field(unique=True, index=True)  # sha256 hex; the key itself is never stored
    created_at: datetime = _time()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Extraction(SQLModel, table=True):
    __tablename__ = "extractions"
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    name: str
    description: str | None = None
    language: str = "auto"
    fields: list[dict[str, Any]] = _json()
    model: str | None = None  # overrides the configured Gemini model for this extraction
    review_threshold: float = 0.8  # 0 turns human review off
    review_deadline_hours: int = 24 * 7
    webhook_url: str | None = None  # events of this extraction's batches are POSTed here
    status: str = "ready"
    created_at: datetime = _time()


class Batch(SQLModel, table=True):
    __tablename__ = "batches"
    __table_args__ = (Index("ix_batches_listing", "extraction_id", "created_at", "id"),)
    id: str = Field(primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    extraction_id: str = Field(foreign_key="extractions.id")
    name: str | None = None
    webhook_url: str | None = None  # overrides the extraction's for this batch
    status: str = "queued"
    file_count: int
    page_count: int
    error: str | None = None
    start_attempts: int = 0  # failed starts of its workflow by the reconciler (activities/reconcile.py)
    created_at: datetime = _time()
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FileRecord(SQLModel, table=True):
    __tablename__ = "files"
    id: str = Field(primary_key=True)
    batch_id: str = Field(foreign_key="batches.id", index=True)
    extraction_id: str = Field(foreign_key="extractions.id", index=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    position: int  # order within the batch upload
    file_name: str
    kind: str  # pdf | png | jpeg | tiff, sniffed from the bytes
    size_bytes: int
    page_count: int
    object_key: str
    status: str = "queued"
    error: str | None = None
    review_revision: int = 0
    created_at: datetime = _time()
    updated_at: datetime = _time()
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FileResult(SQLModel, table=True):
    __tablename__ = "file_results"
    file_id: str = Field(primary_key=True, foreign_key="files.id")
    result: dict[str, Any] = _json()  # the answer: approved values after review, else extracted
    extracted: dict[str, Any] = _json()  # what the engine returned, kept after review
    review: dict[str, Any] | None = _json()  # decision, reviewer, at, reason, revision, corrected
    review_reasons: list[str] = _json()
    confidence: dict[str, float] = _json()
    citations: dict[str, Any] = _json()
    warnings: list[str] = _json()
    engine: str | None = None  # einvoice | offline | gemini (None: stored before it was recorded)
    model_used: str
    input_tokens: int = 0
    output_tokens: int = 0
    created_at: datetime = _time()


class IdempotencyKey(SQLModel, table=True):
    """An `Idempotency-Key` sent with a batch upload: the same key and request within 24 h give
    the batch it created; the same key with another request is refused."""

    __tablename__ = "idempotency_keys"
    account_id: str = Field(foreign_key="accounts.id", primary_key=True)
    key: str = Field(primary_key=True)
    request_hash: str  # ParsedUpload.fingerprint()
    batch_id: str = Field(foreign_key="batches.id")
    created_at: datetime = _time()


class WebhookAttempt(SQLModel, table=True):
    """One try to deliver one event; an event is retried (same id) until the receiver says 2xx."""

    __tablename__ = "webhook_attempts"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True)
    event_type: str
    account_id: str = Field(foreign_key="accounts.id", index=True)
    batch_id: str
    url: str
    attempt: int
    status_code: int | None = None  # None: no HTTP answer (refused, timeout, URL not allowed)
    error: str | None = None
    at: datetime = _time()
