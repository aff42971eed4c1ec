"""Extraction activity: page words from storage -> engine -> result JSON in storage."""

from __future__ import annotations

import asyncio
import time

from temporalio import activity

from activities.errors import gone
from activities.heartbeat import keep_alive
from core import storage
from extraction.engines.registry import read_locally
from extraction.finalize import finalize
from extraction.result import FinalResult
from core.observability import observe_extraction
from extraction.pages import DocumentText, PageText
from documents.procpool import PagePool
from core.schema import ExtractionSchema
from core.storage import ObjectMissing, ObjectStore
from workflows import activity_names as act
from workflows.models import ExtractInput, ExtractOutput, MergeInput, PrepareInput


async def load_words(store: ObjectStore, batch_id: str, file_id: str, page_count: int) -> DocumentText:
    """Every page's words (text layer or OCR) from object storage."""

    async def one(number: int) -> PageText:
        key = storage.page_words_key(batch_id, file_id, number)
        return PageText.model_validate_json(await asyncio.to_thread(store.get_bytes, key))

    try:
        pages = await asyncio.gather(*(one(n) for n in range(1, page_count + 1)))
    except ObjectMissing:
        raise gone(file_id) from None
    return DocumentText(pages=list(pages))


async def store_result(store: ObjectStore, inp: ExtractInput | MergeInput | PrepareInput, result: FinalResult) -> ExtractOutput:
    """Claim check: the result goes to object storage; the workflow gets its key and the
    review reasons."""
    key = storage.result_key(inp.batch_id, inp.file_id)
    await asyncio.to_thread(store.put_bytes, key, result.model_dump_json().encode(), "application/json")
    return ExtractOutput(result_key=key, model_used=result.model_used, review_reasons=result.review_reasons)


def extract_locally(schema: ExtractionSchema, pages_json: list[str], einvoice: bytes | None,
                    threshold: float) -> FinalResult:
    """The embedded e-invoice or the offline engine, then finalize: in a page process (CPU-bound
    Python), on PageText JSON parsed there rather than in the worker."""
    document = DocumentText(pages=[PageText.model_validate_json(p) for p in pages_json])
    return finalize(schema, read_locally(schema, document, einvoice), document, threshold=threshold)


class ExtractActivities:
    def __init__(self, settings: Settings, store: ObjectStore, pool: PagePool):
        self.settings = settings
        self.store = store
        self.pool = pool

    @activity.defn(name=act.EXTRACT_FILE)
    async def extract_file(self, inp: ExtractInput) -> ExtractOutput:
        async with keep_alive():
            document = await load_words(self.store, inp.batch_id, inp.file_id, inp.page_count)
            einvoice = None
            if inp.einvoice_key:
                try:
                    einvoice = await asyncio.to_thread(self.store.get_bytes, inp.einvoice_key)
                except ObjectMissing:
                    raise gone(inp.file_id) from None
            # The offline engine is CPU-bound Python: keep it off the worker's event loop.
            started = time.perf_counter()
            result: FinalResult = await self.pool.run(
                extract_locally, inp.extraction_schema, [p.model_dump_json() for p in document.pages], einvoice,
                inp.review_threshold,
            )
            observe_extraction(result.engine, time.perf_counter() - started)
        return await store_result(self.store, inp, result)
