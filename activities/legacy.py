"""The activities batches started before patch `ids-not-copies` still schedule (workflows/legacy.py),
as adapters: each takes its old payload (with its own copy of the schema) and goes through
today's code, so there is still one result path. Retired with workflows/legacy.py (see there)."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.documents import DocumentActivities
from activities.errors import gone
from activities.extract import ExtractActivities, extract_locally, load_final, store_final
from activities.extractions import ExtractionSpec
from activities.heartbeat import keep_alive
from activities.model import ModelActivities
from activities.records import RecordActivities
from core import storage
from core.db import session_scope
from core.models import FileRecord
from core.storage import ObjectMissing
from workflows import activity_names as act
from workflows.legacy_models import (
    ApplyReviewInput,
    ChunkInput,
    ChunkOutput,
    ExtractInput,
    ExtractOutput,
    IngestInput,
    IngestOutput,
    PrepareInput,
    PrepareOutput,
    RenderInput,
    RenderOutput,
)
from workflows.models import Decision, FileIds, FileInput, FileOutcome, ReviewTask


def _extracted(outcome: FileOutcome) -> ExtractOutput:
    return ExtractOutput(result_key=outcome.result_key, model_used=outcome.model_used,
                         review_reasons=outcome.review_reasons)


class LegacyActivities:
    def __init__(self, documents: DocumentActivities, extract: ExtractActivities, model: ModelActivities,
                 records: RecordActivities):
        self.documents = documents
        self.pages = documents.pages
        self.extract = extract
        self.model = model
        self.records = records

    @activity.defn(name=act.PREPARE_FILE)
    async def prepare_file(self, inp: PrepareInput) -> PrepareOutput:
        spec = ExtractionSpec(inp.extraction_schema, inp.review_threshold)
        prepared = await self.documents.prepare(inp, inp.file, spec, to_model=inp.to_model)
        return PrepareOutput(kind=prepared.kind, page_count=prepared.page_count,
                             extracted=_extracted(prepared.outcome) if prepared.outcome else None)

    @activity.defn(name=act.MODEL_EXTRACT_CHUNK)
    async def model_extract_chunk(self, inp: ChunkInput) -> ChunkOutput:
        finish = inp.finalize_review_threshold
        spec = ExtractionSpec(inp.extraction_schema, finish if finish is not None else 0.8)
        answer = await self.model.read_chunk(inp, spec, inp.page_count, inp.chunk, inp.model,
                                             may_finish=finish is not None, earlier_tokens=inp.earlier_tokens)
        return ChunkOutput(status=answer.status, detail=answer.detail, result_key=answer.answer_key,
                           input_tokens=answer.input_tokens, output_tokens=answer.output_tokens,
                           model_version=answer.model_version,
                           extracted=_extracted(answer.outcome) if answer.outcome else None)

    @activity.defn(name=act.APPLY_REVIEW)
    async def apply_review(self, inp: ApplyReviewInput) -> None:
        rec = await asyncio.to_thread(self._file, inp.file_id)
        decision = Decision(inp.decision)
        reviewed = None
        if decision == Decision.APPROVED:
            task = ReviewTask(
                batch_id=rec.batch_id, extraction_id=rec.extraction_id, file_id=rec.id,
                file=FileInput(file_id=rec.id, file_name=rec.file_name, object_key=rec.object_key, kind=rec.kind,
                               page_count=rec.page_count),
                result_key=storage.result_key(rec.batch_id, rec.id), decision=decision, revision=inp.revision,
                decided_at=inp.decided_at, reviewer=inp.reviewer, reason=inp.reason, corrections=inp.corrections,
            )
            await self.extract.finalize_approval(task, ExtractionSpec(inp.extraction_schema, 0))
            reviewed = await load_final(self.documents.store, storage.reviewed_key(rec.batch_id, rec.id), rec.id)
        await asyncio.to_thread(self.records.record_review, inp.file_id, decision, inp.revision, inp.decided_at,
                                inp.reviewer, inp.reason, reviewed)

    def _file(self, file_id: str) -> FileRecord:
        with session_scope(self.records.db) as session:
            rec = session.get(FileRecord, file_id)
            if rec is None or rec.deleted_at is not None:
                raise gone(file_id)
            return rec

    # -- before prepare_file: ingest, render, extract -------------------------------------------

    @activity.defn(name=act.INGEST_FILE)
    async def ingest_file(self, inp: IngestInput) -> IngestOutput:
        async with keep_alive(), self.pages.local_copy(inp.file.object_key, inp.file.file_id) as path:
            opened = await self.pages.in_pool(self.documents.documents.open(
                path, inp.file.file_name, first_pages=0, language="auto", images=False))
            key = None
            if opened.einvoice is not None:
                key = storage.einvoice_key(inp.batch_id, inp.file.file_id)
                await asyncio.to_thread(self.documents.store.put_bytes, key, opened.einvoice[1], "application/xml")
        return IngestOutput(kind=opened.info.kind, page_count=opened.info.page_count, einvoice_key=key)

    @activity.defn(name=act.RENDER_PAGES)
    async def render_pages(self, inp: RenderInput) -> RenderOutput:
        details = activity.info().heartbeat_details
        resume_at = int(details[0]) if details else 0
        async with keep_alive(resume_at) as progress, self.pages.local_copy(inp.object_key, inp.file_id) as path:
            await self.pages.read_pages(
                path, batch_id=inp.batch_id, file_id=inp.file_id, kind=inp.kind, page_count=inp.page_count,
                language=inp.language, images=inp.images, store_all_words=True, resume_at=resume_at,
                progress=progress,
            )
        return RenderOutput(page_count=inp.page_count)

    @activity.defn(name=act.EXTRACT_FILE)
    async def extract_file(self, inp: ExtractInput) -> ExtractOutput:
        async with keep_alive():
            pages = await self.pages.stored_words(inp.batch_id, inp.file_id, range(1, inp.page_count + 1))
            if pages is None:
                raise gone(inp.file_id)
            einvoice = None
            if inp.einvoice_key:
                try:
                    einvoice = await asyncio.to_thread(self.documents.store.get_bytes, inp.einvoice_key)
                except ObjectMissing:
                    raise gone(inp.file_id) from None
            final = await self.pages.in_pool(self.documents.documents.run(
                extract_locally, inp.extraction_schema, pages, einvoice, inp.review_threshold))
        ids = FileIds(batch_id=inp.batch_id, extraction_id="", file_id=inp.file_id)
        return _extracted(await store_final(self.documents.store, ids, final))
