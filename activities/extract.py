"""Extraction activity: page words from storage -> engine -> result JSON in storage."""

from __future__ import annotations

import asyncio
import time

from temporalio import activity

from activities.errors import gone
from activities.heartbeat import keep_alive
from core import storage
from core.config import Settings
from extraction.confidence import assess
from extraction.engines.base import EngineResult
from extraction.engines.registry import engine_for
from core.observability import observe_extraction
from extraction.pages import DocumentText, PageText
from documents.procpool import PagePool
from extraction.review import review_reasons
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


async def store_result(
    store: ObjectStore, inp: ExtractInput | MergeInput | PrepareInput, result: EngineResult
) -> ExtractOutput:
    """Claim check: the result goes to object storage; the workflow gets its key and the
    review reasons."""
    key = storage.result_key(inp.batch_id, inp.file_id)
    await asyncio.to_thread(store.put_bytes, key, result.model_dump_json().encode(), "application/json")
    return ExtractOutput(
        result_key=key,
        model_used=result.model_used,
        review_reasons=reasons_for(inp.extraction_schema, result, inp.review_threshold),
    )


def engine_kind(model_used: str) -> str:
    if model_used.startswith("einvoice-xml"):
        return "einvoice"
    return "offline" if model_used.startswith("docparse-offline") else "gemini"


def with_assessment(schema: ExtractionSchema, result: EngineResult, document: DocumentText) -> EngineResult:
    """Final confidence (engine score, grounding on the page words, validation) and citations."""
    a = assess(schema, result.result, result.confidence, document,
               engine_kind=engine_kind(result.model_used), engine_citations=result.citations)
    return result.model_copy(update={
        "confidence": a.confidence,
        "citations": {**result.citations, **a.citations},
        "issues": [f"{i.rule}: {i.message}" for i in a.issues],
    })


def run_engine(
    settings: Settings, schema: ExtractionSchema, document: DocumentText, einvoice: bytes | None = None
) -> EngineResult:
    warnings = []
    if einvoice is not None:
        from extraction.engines.einvoice import EInvoiceEngine, EInvoiceError, sniff_syntax

        try:
            return with_assessment(schema, EInvoiceEngine().extract_xml(schema, sniff_syntax(einvoice), einvoice), document)
        except EInvoiceError as e:
            warnings.append(f"the embedded e-invoice could not be used ({e}); read the pages instead")
    result = engine_for(settings).extract(schema, document)
    result.warnings = warnings + result.warnings
    return with_assessment(schema, result, document)


def run_engine_on_json(
    settings: Settings, schema: ExtractionSchema, pages_json: list[str], einvoice: bytes | None = None
) -> EngineResult:
    """run_engine on PageText JSON: parsed here, in the page process, not in the worker."""
    document = DocumentText(pages=[PageText.model_validate_json(p) for p in pages_json])
    return run_engine(settings, schema, document, einvoice)


def reasons_for(schema: ExtractionSchema, result: EngineResult, threshold: float) -> list[str]:
    if threshold <= 0:  # review turned off for this extraction
        return []
    return review_reasons(schema, result.result, result.confidence, result.issues, threshold)


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
            result: EngineResult = await self.pool.run(
                run_engine, self.settings, inp.extraction_schema, document, einvoice
            )
            observe_extraction(engine_kind(result.model_used), time.perf_counter() - started)
        return await store_result(self.store, inp, result)
