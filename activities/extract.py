"""Extraction activities: the engine's reading, finalized (extraction/finalize.py) and stored.

Every result goes this one way: a RawResult from an engine (the e-invoice or offline engine in
prepare_document, Gemini's merged answers here) -> finalize() -> result.json, whose key the
workflow carries (claim check). A reviewer's approval goes the same way into reviewed.json.
"""

from __future__ import annotations

import asyncio
import json

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import gone
from activities.extractions import ExtractionCatalog, ExtractionSpec
from activities.heartbeat import keep_alive
from activities.pages import PageReader
from core import storage
from core.schema import ExtractionSchema
from core.storage import ObjectMissing, ObjectStore
from extraction.engines.gemini import Chunk, GeminiEngine
from extraction.engines.registry import read_locally
from extraction.finalize import finalize
from extraction.pages import DocumentText, PageText
from extraction.result import FinalResult, RawResult
from extraction.review import InvalidCorrection, apply_corrections
from workflows import activity_names as act
from workflows.contracts import ErrorType
from workflows.models import ChunkResult, FileIds, FileOutcome, MergeTask, ReviewTask


def extract_locally(schema: ExtractionSchema, pages_json: list[str], einvoice: bytes | None,
                    threshold: float) -> FinalResult:
    """The embedded e-invoice or the offline engine, then finalize: in a page process (CPU-bound
    Python), on PageText JSON parsed there rather than in the worker."""
    document = DocumentText(pages=[PageText.model_validate_json(p) for p in pages_json])
    return finalize(schema, read_locally(schema, document, einvoice), document, threshold=threshold)


async def store_final(store: ObjectStore, ids: FileIds, final: FinalResult, key: str | None = None) -> FileOutcome:
    """Claim check: the result goes to object storage; the workflow gets its key and the
    review reasons."""
    key = key or storage.result_key(ids.batch_id, ids.file_id)
    await asyncio.to_thread(store.put_bytes, key, final.model_dump_json().encode(), "application/json")
    return FileOutcome(result_key=key, engine=final.engine, model_used=final.model_used,
                       review_reasons=final.review_reasons, input_tokens=final.input_tokens,
                       output_tokens=final.output_tokens)


async def load_final(store: ObjectStore, key: str, file_id: str) -> FinalResult:
    try:
        return FinalResult.model_validate_json(await asyncio.to_thread(store.get_bytes, key))
    except ObjectMissing:
        raise gone(file_id) from None


def approved(schema: ExtractionSchema, final: FinalResult, corrections: dict | None) -> RawResult:
    """The engine's reading with a reviewer's corrections (typed per schema), as a reading to
    finalize again: a corrected value keeps no citation of the value it replaced."""
    values = apply_corrections(schema, final.result, corrections)
    changed = {k for k in values if values[k] != final.result.get(k)}
    citations = {p: c for p, c in final.citations.items() if p.split("[")[0].split(".")[0] not in changed}
    return RawResult(engine=final.engine, model_used=final.model_used, result=values, confidence=final.confidence,
                     citations=citations, warnings=final.warnings, input_tokens=final.input_tokens,
                     output_tokens=final.output_tokens)


class ExtractActivities:
    def __init__(self, store: ObjectStore, pages: PageReader, catalog: ExtractionCatalog):
        self.store = store
        self.pages = pages
        self.catalog = catalog

    async def finish_model_file(self, ids: FileIds, spec: ExtractionSpec, model: str,
                                answers: list[tuple[Chunk, dict]], model_version: str | None,
                                tokens: tuple[int, int]) -> FileOutcome:
        """The chunks' answers merged, finalized and stored: the file's result."""
        raw = GeminiEngine(model).merge(spec.schema, answers, model_used=model_version,
                                        input_tokens=tokens[0], output_tokens=tokens[1])
        pages = max(c.last for c, _ in answers)
        try:  # every page's words were stored for the model
            words = await self.pages.stored_words(ids.batch_id, ids.file_id, range(1, pages + 1))
        except ObjectMissing:
            words = None
        if words is None:
            raise gone(ids.file_id)
        document = DocumentText(pages=[PageText.model_validate_json(w) for w in words])
        # CPU-bound: in a thread, so the model calls sharing this event loop keep going
        final = await asyncio.to_thread(finalize, spec.schema, raw, document, threshold=spec.review_threshold)
        return await store_final(self.store, ids, final)

    async def merge(self, ids: FileIds, spec: ExtractionSpec, model: str, chunks: list[ChunkResult],
                    tokens: tuple[int, int]) -> FileOutcome:
        try:
            answers = [(c.chunk, json.loads(await asyncio.to_thread(self.store.get_bytes, c.result_key)))
                       for c in chunks]
        except ObjectMissing:
            raise gone(ids.file_id) from None
        version = next((c.model_version for c in chunks if c.model_version), None)
        async with keep_alive():
            return await self.finish_model_file(ids, spec, model, answers, version, tokens)

    @activity.defn(name=act.MERGE_CHUNKS)
    async def merge_chunks(self, task: MergeTask) -> FileOutcome:
        if task.extraction_schema is not None:  # a batch from before ids-not-copies: its own copy
            spec = ExtractionSpec(task.extraction_schema, 0.8 if task.review_threshold is None else task.review_threshold)
        else:
            spec = await asyncio.to_thread(self.catalog.get, task.extraction_id, task.file_id)
        return await self.merge(task, spec, task.model, task.chunks, (task.input_tokens, task.output_tokens))

    async def corrections(self, task: ReviewTask) -> dict | None:
        """The reviewer's corrections: in the task, or stored under the file's prefix by the API
        (too large for workflow history)."""
        if task.corrections_key is None:
            return task.corrections
        if not task.corrections_key.startswith(storage.corrections_prefix(task.batch_id, task.file_id)):
            raise ApplicationError(f"corrections key {task.corrections_key[:80]!r} is not one of this file's",
                                   type=ErrorType.REVIEW_INVALID, non_retryable=True)
        try:
            stored = json.loads(await asyncio.to_thread(self.store.get_bytes, task.corrections_key))
        except ObjectMissing:
            raise gone(task.file_id) from None
        if not isinstance(stored, dict):
            raise ApplicationError("stored corrections are not an object of field values",
                                   type=ErrorType.REVIEW_INVALID, non_retryable=True)
        return stored

    async def finalize_approval(self, task: ReviewTask, spec: ExtractionSpec) -> None:
        """The approved values (the engine's, with the corrections), checked and cited again on
        the page words, confidence 1.0: reviewed.json. Always from result.json, so a retry
        computes the same."""
        final = await load_final(self.store, task.result_key, task.file_id)
        try:  # checked by the update's validator when inline; stored ones only here
            raw = approved(spec.schema, final, await self.corrections(task))
        except InvalidCorrection as e:
            raise ApplicationError(f"invalid corrected values: {e}"[:500], type=ErrorType.REVIEW_INVALID,
                                   non_retryable=True) from None
        async with keep_alive():
            document = await self.pages.words(task, task.file, spec.schema.language)
            reviewed = await asyncio.to_thread(finalize, spec.schema, raw, document, threshold=0, reviewed=True)
        await store_final(self.store, task, reviewed, storage.reviewed_key(task.batch_id, task.file_id))

    @activity.defn(name=act.FINALIZE_REVIEW)
    async def finalize_review(self, task: ReviewTask) -> None:
        spec = await asyncio.to_thread(self.catalog.get, task.extraction_id, task.file_id)
        await self.finalize_approval(task, spec)
