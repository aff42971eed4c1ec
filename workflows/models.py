"""Workflow and activity payloads: ids, object keys, counts and small values only.

File bytes, page images and page text never enter workflow history; activities read them
from object storage by key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from extraction.engines.gemini import Chunk
from core.schema import ExtractionSchema


class FileInput(BaseModel):
    file_id: str
    file_name: str
    object_key: str
    kind: str
    page_count: int


class ModelPlan(BaseModel):
    """How a file goes to the model (None in BatchInput: the offline engine)."""

    model: str
    task_queue: str
    pages_per_chunk: int = 8
    chunk_overlap: int = 1


class ReviewPolicy(BaseModel):
    threshold: float = 0.8
    deadline_seconds: int = 7 * 24 * 3600


class WebhookTarget(BaseModel):
    url: str
    retry_initial_s: float = 5.0
    retry_hours: float = 24.0


class WebhookEvent(BaseModel):
    """One event for one receiver; its id is the `webhook-id` of every delivery attempt."""

    id: str
    type: str  # batch.processed | batch.failed | batch.needs_review | file.processed | file.needs_review | file.failed
    created_at: datetime
    account_id: str
    batch_id: str
    target: WebhookTarget
    data: dict[str, Any]


class BatchInput(BaseModel):
    batch_id: str
    extraction_id: str
    account_id: str
    extraction_schema: ExtractionSchema
    files: list[FileInput]
    max_concurrent_files: int = 8
    model: ModelPlan | None = None
    review: ReviewPolicy = ReviewPolicy()
    webhook: WebhookTarget | None = None
    # Off only where the server has no custom search attributes (the time-skipping test server).
    publish_search_attributes: bool = True


class FileView(BaseModel):
    id: str
    file_name: str
    status: str
    page_count: int
    error: str | None = None
    review_revision: int = 0  # bumped each time the file enters review


class BatchView(BaseModel):
    batch_id: str
    status: str
    files: list[FileView]


class FileRef(BaseModel):
    batch_id: str
    file_id: str


class IngestInput(BaseModel):
    batch_id: str
    file: FileInput


class IngestOutput(BaseModel):
    kind: str
    page_count: int
    # Key of an embedded e-invoice XML (Factur-X/ZUGFeRD/XRechnung) when the PDF carries one.
    einvoice_key: str | None = None


class PrepareInput(BaseModel):
    batch_id: str
    extraction_id: str = ""  # for logs
    file_id: str
    file: FileInput
    extraction_schema: ExtractionSchema
    to_model: bool  # the batch goes to a model: store words and page images, extract nothing
    review_threshold: float = 0.8


class RenderInput(BaseModel):
    batch_id: str
    file_id: str
    object_key: str
    kind: str
    page_count: int
    language: str = "auto"  # the extraction's language: picks the OCR models
    # Page images are drawn only for the model; the API draws any other page a reader asks for.
    images: bool = True


class RenderOutput(BaseModel):
    page_count: int


class ExtractInput(BaseModel):
    batch_id: str
    file_id: str
    page_count: int
    extraction_schema: ExtractionSchema
    einvoice_key: str | None = None
    review_threshold: float = 0.8


class ExtractOutput(BaseModel):
    result_key: str
    model_used: str
    review_reasons: list[str] = []  # empty: accepted as extracted


class ChunkInput(BaseModel):
    batch_id: str
    extraction_id: str = ""  # for logs
    file_id: str
    page_count: int
    chunk: Chunk
    extraction_schema: ExtractionSchema
    model: str
    # Set when this chunk is the whole document: the call activity assesses and stores the
    # final result itself (no merge step), with this review threshold.
    finalize_review_threshold: float | None = None
    earlier_tokens: tuple[int, int] = (0, 0)  # input/output tokens of earlier unusable answers


class ChunkOutput(BaseModel):
    status: str  # ok | truncated | invalid
    detail: str | None = None
    result_key: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    model_version: str | None = None  # what the service says answered
    extracted: ExtractOutput | None = None  # the final result (finalize_review_threshold set)


class ChunkResult(BaseModel):
    chunk: Chunk
    result_key: str
    model_version: str | None = None


class MergeInput(BaseModel):
    batch_id: str
    extraction_id: str = ""  # for logs
    file_id: str
    extraction_schema: ExtractionSchema
    model: str
    chunks: list[ChunkResult]
    input_tokens: int = 0
    output_tokens: int = 0
    review_threshold: float = 0.8


class PrepareOutput(IngestOutput):
    extracted: ExtractOutput | None = None  # None: the pages wait for the model


class SaveResultInput(BaseModel):
    batch_id: str
    extraction_id: str = ""  # for logs
    file_id: str
    result_key: str
    status: str = "processed"  # or needs_review
    review_reasons: list[str] = []
    review_revision: int = 0


class ReviewDecision(BaseModel):
    """A reviewer's decision on one file, sent as the BatchWorkflow `review` update."""

    file_id: str
    action: str  # approve | reject
    revision: int  # the review revision the reviewer saw
    values: dict[str, Any] | None = None  # corrections (top-level keys), approve only
    reason: str | None = None
    reviewer: str = "unknown"


class ReviewOutcome(BaseModel):
    file_id: str
    status: str  # processed | failed
    decision: str  # approved | rejected | expired
    revision: int


class ApplyReviewInput(BaseModel):
    file_id: str
    decision: str  # approved | rejected | expired
    corrections: dict[str, Any] | None = None  # approve only: values the reviewer changed
    extraction_schema: ExtractionSchema
    reviewer: str | None = None
    reason: str | None = None
    revision: int
    decided_at: datetime


class FileStatusInput(BaseModel):
    file_id: str
    status: str
    error: str | None = None


class BatchStatusInput(BaseModel):
    batch_id: str
    status: str
