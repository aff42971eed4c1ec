"""Document activities: prepare a file (check it, read its pages, and where the engine runs here,
its result), and purge a file's objects.

prepare_document downloads the original once and does all page work for a file in one activity:
it keeps history short (one activity per file on the offline path) and object-store traffic low
(the original once, the result once; page words only where something reads them later: the model,
or a reviewer's approval finalized again). The page work itself is activities/pages.py.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.engine import Engine
from temporalio import activity

from activities.extract import extract_locally, store_final
from activities.extractions import ExtractionCatalog, ExtractionSpec
from activities.heartbeat import keep_alive
from activities.pages import PAGES_PER_CALL, PageReader
from activities.records import set_file_status
from core import storage
from core.config import Settings
from core.observability import observe_extraction
from core.status import Status
from core.storage import ObjectStore
from documents.pages import OpenedDocument
from documents.service import DocumentService
from workflows import activity_names as act
from workflows.models import FileIds, FileInput, FileRef, Prepared, PrepareTask


class DocumentActivities:
    def __init__(self, settings: Settings, store: ObjectStore, documents: DocumentService,
                 catalog: ExtractionCatalog, db: Engine | None = None):
        self.settings = settings
        self.store = store
        self.documents = documents
        self.pages = PageReader(store, documents)
        self.catalog = catalog
        self.db = db

    @activity.defn(name=act.PREPARE_DOCUMENT)
    async def prepare_document(self, task: PrepareTask) -> Prepared:
        spec = await asyncio.to_thread(self.catalog.get, task.extraction_id, task.file_id)
        return await self.prepare(task, task.file, spec, to_model=task.model is not None)

    async def prepare(self, ids: FileIds, file: FileInput, spec: ExtractionSpec, *, to_model: bool) -> Prepared:
        """Opens the file, reads every page's words (OCR where needed) and, unless the model reads
        them (to_model: their words and images are stored for it), extracts the result here."""
        details = activity.info().heartbeat_details
        resume_at = int(details[0]) if details else 0
        if self.db is not None:  # for readers of the database (batch lists); the workflow knows already
            await asyncio.to_thread(set_file_status, self.db, ids.file_id, Status.PROCESSING, only_from=Status.QUEUED)
        language = spec.schema.language
        async with keep_alive(resume_at) as progress, self.pages.local_copy(file.object_key, file.file_id) as path:
            opened: OpenedDocument = await self.pages.in_pool(self.documents.open(
                path, file.file_name, first_pages=0 if resume_at else PAGES_PER_CALL, language=language,
                images=to_model,
            ))
            # an embedded e-invoice is read right here (extract_locally): nothing later needs it stored
            info, xml = opened.info, opened.einvoice[1] if opened.einvoice else None
            to_model = to_model and xml is None
            pages = await self.pages.read_pages(
                path, batch_id=ids.batch_id, file_id=ids.file_id, kind=info.kind, page_count=info.page_count,
                language=language, images=to_model, store_all_words=to_model, resume_at=resume_at,
                progress=progress, first=opened.first_pages,
            )
            outcome = None
            if not to_model:  # an embedded e-invoice, or the offline engine
                started = time.perf_counter()
                final = await self.pages.in_pool(self.documents.run(
                    extract_locally, spec.schema, pages, xml, spec.review_threshold))
                observe_extraction(final.engine, time.perf_counter() - started)
                outcome = await store_final(self.store, ids, final)
        return Prepared(kind=info.kind, page_count=info.page_count, outcome=outcome)

    @activity.defn(name=act.PURGE_FILE)
    async def purge_file(self, ref: FileRef) -> None:
        await asyncio.to_thread(self.store.delete_prefix, storage.file_prefix(ref.batch_id, ref.file_id))
