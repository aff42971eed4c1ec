"""GeminiEngine: the Gemini reading of a document, everything but the network call.

Planning (page chunks), the request (instructions, each page's text layer and image, the
response schema), reading the answer and merging the chunks are here; the transport (one HTTP
call per chunk, its errors classified) is the caller's: activities/model.py in the worker, where
BatchWorkflow runs one durable activity per chunk, or any `transport` function given to extract().
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.schema import ExtractionSchema
from extraction.engines.gemini.answer import OutputInvalid, parse_output
from extraction.engines.gemini.merge import merge_chunks
from extraction.engines.gemini.plan import AnswerStatus, Chunk, ChunkQueue, chunk_plan
from extraction.engines.gemini.prompt import instructions, page_text, response_json_schema
from extraction.pages import DocumentText, PageText
from extraction.result import EngineKind, RawResult

PDF = "application/pdf"


@dataclass(frozen=True)
class Blob:
    """A page as the model reads it: an image (PNG or JPEG) or a one-page PDF."""

    data: bytes
    mime_type: str


@dataclass
class ModelRequest:
    """One call: the parts in order (text, or a page as a Blob) and the response schema."""

    parts: list[str | Blob]
    response_schema: dict[str, Any]

    def size_bytes(self) -> int:
        """About what the request weighs on the wire: blobs travel base64-encoded."""
        blobs = sum((len(p.data) + 2) // 3 * 4 for p in self.parts if isinstance(p, Blob))
        texts = sum(len(p.encode()) for p in self.parts if isinstance(p, str))
        return blobs + texts + len(json.dumps(self.response_schema)) + 1024  # + the envelope


# Finish reasons that are the service refusing this input: asking again, or in smaller pieces, gets
# the same answer (a safety or recitation stop, a blocklist, prohibited content, personal data, an
# unsupported language).
BLOCK_FINISHES = frozenset({"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE",
                            "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"})


@dataclass
class ModelReply:
    """What the transport got back."""

    text: str | None
    finish_reason: str | None  # "STOP", "MAX_TOKENS", "SAFETY", ... (None: no candidate)
    input_tokens: int = 0
    output_tokens: int = 0  # the answer and the thinking: both are billed as output
    model_version: str | None = None  # the model that answered, as the service names it
    thinking_tokens: int = 0  # of output_tokens, spent thinking
    block_reason: str | None = None  # promptFeedback.blockReason: the prompt was refused


@dataclass
class ChunkReading:
    status: AnswerStatus
    data: dict[str, Any] | None = None
    detail: str | None = None


class GeminiEngine:
    kind = EngineKind.GEMINI

    def __init__(self, model: str, *, pages_per_chunk: int = 8, chunk_overlap: int = 1,
                 transport: Callable[[str, ModelRequest], ModelReply] | None = None,
                 page_image: Callable[[int], Blob] | None = None):
        self.name = self.model = model
        self.pages_per_chunk = pages_per_chunk
        self.chunk_overlap = chunk_overlap
        self.transport = transport  # only extract() calls the model itself
        self.page_image = page_image  # page number -> the page as the model reads it, for extract()

    def plan(self, page_count: int) -> list[Chunk]:
        return chunk_plan(page_count, self.pages_per_chunk, self.chunk_overlap)

    def request(self, schema: ExtractionSchema, chunk: Chunk, page_count: int,
                pages: list[tuple[PageText, Blob]]) -> ModelRequest:
        """pages: the chunk's pages in order, each its words and the page as the model reads it. A
        page image gets its text layer beside it (so digits are read exactly); a one-page PDF
        carries its own, so only OCR words (a scan has no text layer) go beside it."""
        parts: list[str | Blob] = [instructions(schema, chunk, page_count)]
        for words, page in pages:
            header = f"--- Page {words.number} ---"
            text = page_text(words) if page.mime_type != PDF or words.source == "ocr" else ""
            if text:
                header += f"\nText layer of page {words.number} (use it for exact characters):\n{text}"
            parts += [header, page]
        return ModelRequest(parts=parts, response_schema=response_json_schema(schema))

    def read(self, schema: ExtractionSchema, reply: ModelReply) -> ChunkReading:
        """Only a STOP with JSON matching the schema is an answer; everything else says why not."""
        if reply.block_reason:
            return ChunkReading(AnswerStatus.BLOCKED, detail=f"the prompt was blocked ({reply.block_reason})")
        finish = reply.finish_reason
        if finish in BLOCK_FINISHES:
            return ChunkReading(AnswerStatus.BLOCKED, detail=f"the answer was stopped (finish reason {finish})")
        if finish == "MAX_TOKENS":
            thinking = f", {reply.thinking_tokens} of them thinking" if reply.thinking_tokens else ""
            return ChunkReading(AnswerStatus.TRUNCATED,
                                detail=f"output truncated at {reply.output_tokens} tokens{thinking}")
        if finish is None:
            return ChunkReading(AnswerStatus.INVALID, detail="the model returned no answer")
        if finish != "STOP":
            return ChunkReading(AnswerStatus.INVALID, detail=f"the answer did not finish (finish reason {finish})")
        try:
            return ChunkReading(AnswerStatus.OK, data=parse_output(reply.text, schema))
        except OutputInvalid as e:
            return ChunkReading(AnswerStatus.INVALID, detail=str(e))

    def merge(self, schema: ExtractionSchema, answers: list[tuple[Chunk, dict[str, Any]]], *,
              model_used: str | None = None, input_tokens: int = 0, output_tokens: int = 0) -> RawResult:
        result, confidence, warnings = merge_chunks(schema, answers)
        return RawResult(engine=self.kind, model_used=model_used or self.model, result=result,
                         confidence=confidence, warnings=warnings,
                         input_tokens=input_tokens, output_tokens=output_tokens)

    def extract(self, schema: ExtractionSchema, document: DocumentText) -> RawResult:
        """The whole reading in this process, one transport call per chunk (the same chunk policy
        as BatchWorkflow's durable model loop)."""
        if self.transport is None or self.page_image is None:
            raise ValueError("GeminiEngine.extract needs a transport and page images")
        count = len(document.pages)
        queue: ChunkQueue[dict[str, Any]] = ChunkQueue(self.plan(count))
        tokens, version = [0, 0], None
        while queue.open:
            for chunk in queue.next_round():
                pages = [(document.pages[n - 1], self.page_image(n)) for n in chunk.pages]
                reply = self.transport(self.model, self.request(schema, chunk, count, pages))
                tokens[0] += reply.input_tokens
                tokens[1] += reply.output_tokens
                reading = self.read(schema, reply)
                version = version or (reply.model_version if reading.data is not None else None)
                queue.record(chunk, reading.data, reading.detail, reading.status)
        return self.merge(schema, queue.done, model_used=version, input_tokens=tokens[0], output_tokens=tokens[1])
