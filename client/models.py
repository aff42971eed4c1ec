"""Typed response bodies (pydantic). Unknown keys the API may add later are kept (``extra="allow"``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: file and batch statuses
QUEUED, PROCESSING, PROCESSED, NEEDS_REVIEW, FAILED = "queued", "processing", "processed", "needs_review", "failed"
#: a batch in one of these does not change any more without a review decision
TERMINAL_BATCH_STATUSES = frozenset({PROCESSED, FAILED, NEEDS_REVIEW})


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Usage(_Model):
    input_tokens: int = 0
    output_tokens: int = 0


class Extraction(_Model):
    id: str
    name: str
    description: str | None = None
    language: str = "auto"
    status: str = "ready"
    fields: list[dict[str, Any]] = Field(default_factory=list)
    model: str | None = None
    review_threshold: float = 0.8
    review_deadline_hours: int = 168
    webhook_url: str | None = None
    created_at: datetime | None = None


class Batch(_Model):
    id: str
    extraction_id: str
    name: str | None = None
    status: str
    file_count: int = 0
    page_count: int = 0
    error: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    usage: Usage | None = None

    @property
    def is_terminal(self) -> bool:
        """processed, failed or needs_review: nothing moves until a review decision."""
        return self.status in TERMINAL_BATCH_STATUSES


class AcceptedFile(_Model):
    """A file as the upload accepted it (``UploadedBatch.files``)."""

    id: str
    file_name: str
    page_count: int = 0
    part: int | None = None  #: the uploaded file (0-based) it is, or was attached to
    from_message: str | None = None  #: the uploaded e-mail message (EML, MSG) it was attached to
    converted_from: str | None = None  #: the office type converted to PDF (docx, xlsx, odt, ods, rtf, html)


class UploadedBatch(Batch):
    """``upload_batch``'s answer: the batch, and its files as accepted, in order (an e-mail message
    becomes a file per attachment). Empty ``files`` when the answer replays an earlier upload
    (Idempotency-Key)."""

    files: list[AcceptedFile] = Field(default_factory=list)


class BatchFile(_Model):
    id: str
    file_name: str
    status: str
    page_count: int = 0
    error: str | None = None


class BatchStatus(_Model):
    """``GET .../batches/{id}``: the batch and its files."""

    batch: Batch
    files: list[BatchFile] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Files per status, every status present (0 when none)."""
        out = dict.fromkeys((QUEUED, PROCESSING, PROCESSED, NEEDS_REVIEW, FAILED), 0)
        for f in self.files:
            out[f.status] = out.get(f.status, 0) + 1
        return out


class ExtractionPage(_Model):
    """One page of ``GET /v1/extractions``: pass ``next_before`` as ``before`` for the next (None: last page)."""

    extractions: list[Extraction]
    next_before: str | None = None


class BatchPage(_Model):
    """One page of ``GET .../batches``: pass ``next_before`` as ``before`` for the next (None: last page)."""

    batches: list[Batch]
    next_before: str | None = None


class FileResult(_Model):
    """``GET .../files/{id}/result``."""

    file_id: str
    file_name: str
    status: str
    result: dict[str, Any]
    confidence: dict[str, float] = Field(default_factory=dict)
    citations: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    engine: str | None = None  # einvoice | offline | gemini
    model_used: str | None = None
    usage: Usage | None = None
    extracted: dict[str, Any] = Field(default_factory=dict)
    review: dict[str, Any] | None = None
    reviewed: bool = False  # a reviewer approved the values: confidence 1.0, citations checked again


class FileInfo(_Model):
    """``GET .../files/{id}``: one file's status."""

    id: str
    batch_id: str
    extraction_id: str
    file_name: str
    status: str
    page_count: int = 0
    error: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class BatchFileResult(_Model):
    """One file in ``GET .../batches/{id}/results``. ``result`` holds values when ``status`` is processed
    or needs_review (extracted, not yet confirmed: ``reviewed`` is False); a failed file has ``error``."""

    file_id: str
    batch_id: str
    file_name: str
    status: str
    page_count: int = 0
    error: str | None = None
    reviewed: bool = False
    review_reasons: list[str] = Field(default_factory=list)
    result: dict[str, Any] | None = None
    confidence: dict[str, float] = Field(default_factory=dict)
    citations: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    engine: str | None = None
    model_used: str | None = None
    usage: Usage | None = None
    extracted: dict[str, Any] | None = None
    review: dict[str, Any] | None = None


class BatchResults(_Model):
    """``GET .../batches/{id}/results``: the batch and every file with its values."""

    batch: Batch
    files: list[BatchFileResult] = Field(default_factory=list)


class ReviewItem(_Model):
    """One file in a review queue."""

    file_id: str
    file_name: str
    extraction_id: str
    extraction_name: str | None = None
    batch_id: str
    batch_name: str | None = None
    batch_created_at: datetime | None = None
    page_count: int = 0
    revision: int
    reasons: list[str] = Field(default_factory=list)
    created_at: datetime | None = None


class ReviewDetail(_Model):
    """``GET .../files/{id}/review``: what a reviewer needs to decide."""

    file_id: str
    file_name: str
    extraction_id: str
    extraction_name: str | None = None
    batch_id: str
    batch_name: str | None = None
    status: str
    revision: int
    reasons: list[str] = Field(default_factory=list)
    fields: list[dict[str, Any]] = Field(default_factory=list)
    extracted: dict[str, Any] = Field(default_factory=dict)
    confidence: dict[str, float] = Field(default_factory=dict)
    citations: dict[str, Any] = Field(default_factory=dict)
    review_threshold: float | None = None
    pages: list[str] = Field(default_factory=list, description="absolute URLs of the page images")


class ReviewOutcome(_Model):
    """The answer to a review decision."""

    file_id: str
    status: str
    decision: str
    revision: int
