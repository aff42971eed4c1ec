"""Payloads of the activities that batches started before patch `ids-not-copies` (2026-12-01)
still schedule when they replay: each carries the extraction's schema (and review corrections)
itself. Only workflows/legacy.py and activities/legacy.py use them; they go when the legacy path
is retired (see workflows/legacy.py for the plan and the date)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from core.schema import ExtractionSchema
from extraction.engines.gemini import Chunk
from workflows.models import FileIds, FileInput


class IngestInput(BaseModel):
    batch_id: str
    file: FileInput


class IngestOutput(BaseModel):
    kind: str
    page_count: int
    # Key of an embedded e-invoice XML (Factur-X/ZUGFeRD/XRechnung) when the PDF carries one.
    einvoice_key: str | None = None


class PrepareInput(FileIds):
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


class ChunkInput(FileIds):
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


class PrepareOutput(IngestOutput):
    extracted: ExtractOutput | None = None  # None: the pages wait for the model


class ApplyReviewInput(BaseModel):
    file_id: str
    decision: str  # approved | rejected | expired
    corrections: dict[str, Any] | None = None  # approve only: values the reviewer changed
    extraction_schema: ExtractionSchema
    reviewer: str | None = None
    reason: str | None = None
    revision: int
    decided_at: datetime
