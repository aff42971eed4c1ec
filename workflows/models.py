"""Workflow and activity payloads: ids, object keys, counts and small values only.

File bytes, page images and page text never enter workflow history; activities read them
from object storage by key.
"""

from __future__ import annotations

from pydantic import BaseModel

from core.engines.gemini import Chunk
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


class BatchInput(BaseModel):
    batch_id: str
    extraction_id: str
    account_id: str
    extraction_schema: ExtractionSchema
    files: list[FileInput]
    max_concurrent_files: int = 8
    model: ModelPlan | None = None


class FileView(BaseModel):
    id: str
    file_name: str
    status: str
    page_count: int
    error: str | None = None


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


class RenderInput(BaseModel):
    batch_id: str
    file_id: str
    object_key: str
    kind: str
    page_count: int


class RenderOutput(BaseModel):
    page_count: int
    pages_with_text: int


class ExtractInput(BaseModel):
    batch_id: str
    file_id: str
    page_count: int
    extraction_schema: ExtractionSchema
    einvoice_key: str | None = None


class ChunkInput(BaseModel):
    batch_id: str
    file_id: str
    page_count: int
    chunk: Chunk
    extraction_schema: ExtractionSchema
    model: str


class ChunkOutput(BaseModel):
    status: str  # ok | truncated | invalid
    detail: str | None = None
    result_key: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0


class ChunkResult(BaseModel):
    chunk: Chunk
    result_key: str


class MergeInput(BaseModel):
    batch_id: str
    file_id: str
    extraction_schema: ExtractionSchema
    model: str
    chunks: list[ChunkResult]
    input_tokens: int = 0
    output_tokens: int = 0


class ExtractOutput(BaseModel):
    result_key: str
    model_used: str
    min_confidence: float | None = None


class SaveResultInput(BaseModel):
    batch_id: str
    file_id: str
    result_key: str


class FileStatusInput(BaseModel):
    file_id: str
    status: str
    error: str | None = None


class BatchStatusInput(BaseModel):
    batch_id: str
    status: str
