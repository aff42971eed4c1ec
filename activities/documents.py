"""Document activities: prepare a file (check it, read its pages, extract offline), purge a file.

prepare_file downloads the original once and does all page work for a file in one activity: it
keeps history short (one activity per file on the offline path) and object-store traffic low (the
original once, the result once; page words only where something reads them later). ingest_file
and render_pages are the two steps it replaced; they stay registered for batches started before."""

from __future__ import annotations

import asyncio
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import Engine
from temporalio import activity

from activities.errors import gone, rejected
from activities.extract import extract_locally, store_result
from activities.heartbeat import keep_alive
from activities.records import set_file_status
from core.status import Status
from core import storage
from core.config import Settings
from documents.errors import DocumentRejected
from documents.pages import OpenedDocument, RenderedPage, open_document, render_pages
from core.observability import observe_extraction
from documents.procpool import PagePool
from core.storage import ObjectMissing, ObjectStore
from workflows import activity_names as act
from workflows.models import (
    FileRef,
    IngestInput,
    IngestOutput,
    PrepareInput,
    PrepareOutput,
    RenderInput,
    RenderOutput,
)

PAGES_PER_CHUNK = 8


class DocumentActivities:
    def __init__(self, settings: Settings, store: ObjectStore, pool: PagePool, db: Engine | None = None):
        self.settings = settings
        self.store = store
        self.pool = pool
        self.db = db

    @asynccontextmanager
    async def _local_copy(self, object_key: str, file_id: str):
        with tempfile.TemporaryDirectory(prefix="docparse-") as tmp:
            path = Path(tmp) / "original"
            try:
                await asyncio.to_thread(self.store.download, object_key, path)
            except ObjectMissing:
                raise gone(file_id) from None
            yield path

    async def _store_einvoice(self, batch_id: str, file_id: str, found: tuple[str, bytes] | None) -> str | None:
        if found is None:
            return None
        # Factur-X / ZUGFeRD / XRechnung: exact values beat reading the print.
        key = storage.einvoice_key(batch_id, file_id)
        await asyncio.to_thread(self.store.put_bytes, key, found[1], "application/xml")
        return key

    async def _in_pool(self, fn, /, *args, **kwargs):
        try:
            return await self.pool.run(fn, *args, **kwargs)
        except DocumentRejected as e:
            raise rejected(str(e)) from None
        except MemoryError:
            raise rejected("a page needs more memory to read than one page is allowed") from None

    async def _stored_words(self, batch_id: str, file_id: str, numbers: range) -> list[str] | None:
        try:
            return [
                (await asyncio.to_thread(self.store.get_bytes, storage.page_words_key(batch_id, file_id, n))).decode()
                for n in numbers
            ]
        except ObjectMissing:
            return None

    async def _read_pages(
        self, path: Path, *, batch_id: str, file_id: str, kind: str, page_count: int, language: str,
        images: bool, store_all_words: bool, resume_at: int, progress: list, first: list[RenderedPage] = (),
    ) -> list[str]:
        """Every page's words (PageText JSON), PAGES_PER_CHUNK pages per process call (``first``:
        the first pages, read already); page images if asked.

        Stored: images when asked, and words of every page (store_all_words: the model reads them
        later) or of OCRed pages only (the costly ones). A retry resumes after the last chunk done
        (heartbeat details) and reads back what was stored; a chunk not wholly stored is redone.
        """
        pages: list[str] = []
        for chunk in range(0, page_count, PAGES_PER_CHUNK):
            stop = min(chunk + PAGES_PER_CHUNK, page_count)
            if chunk == 0 and first:
                rendered = first
            else:
                if chunk < resume_at:
                    stored = await self._stored_words(batch_id, file_id, range(chunk + 1, stop + 1))
                    if stored is not None:
                        pages += stored
                        continue
                rendered = await self._in_pool(
                    render_pages, path, kind=kind, start=chunk, stop=stop, dpi=self.settings.render_dpi,
                    language=language, images=images,
                )
            for offset, (png, words_json, source) in enumerate(rendered):
                number = chunk + offset + 1
                if png is not None:
                    await asyncio.to_thread(
                        self.store.put_bytes, storage.page_image_key(batch_id, file_id, number), png, "image/png"
                    )
                if store_all_words or source == "ocr":
                    await asyncio.to_thread(
                        self.store.put_bytes, storage.page_words_key(batch_id, file_id, number),
                        words_json.encode(), "application/json",
                    )
                pages.append(words_json)
            progress[:] = [stop]
        return pages

    @activity.defn(name=act.PREPARE_FILE)
    async def prepare_file(self, inp: PrepareInput) -> PrepareOutput:
        details = activity.info().heartbeat_details
        resume_at = int(details[0]) if details else 0
        if self.db is not None:  # for readers of the database (batch lists); the workflow knows already
            await asyncio.to_thread(set_file_status, self.db, inp.file_id, Status.PROCESSING, only_from=Status.QUEUED)
        language = inp.extraction_schema.language
        async with keep_alive(resume_at) as progress, self._local_copy(inp.file.object_key, inp.file.file_id) as path:
            opened: OpenedDocument = await self._in_pool(
                open_document, path, name=inp.file.file_name, max_pages=self.settings.max_pages_per_file,
                max_pixels=self.settings.max_image_pixels, first_pages=0 if resume_at else PAGES_PER_CHUNK,
                dpi=self.settings.render_dpi, language=language, images=inp.to_model,
            )
            # an embedded e-invoice is read right here (extract_locally): nothing later needs it stored
            info, xml = opened.info, opened.einvoice[1] if opened.einvoice else None
            to_model = inp.to_model and xml is None
            pages = await self._read_pages(
                path, batch_id=inp.batch_id, file_id=inp.file_id, kind=info.kind, page_count=info.page_count,
                language=language, images=to_model, store_all_words=to_model, resume_at=resume_at,
                progress=progress, first=opened.first_pages,
            )
            extracted = None
            if not to_model:  # offline engine, or the exact values of an embedded e-invoice
                # CPU-bound Python: kept off the worker's event loop
                started = time.perf_counter()
                result = await self.pool.run(extract_locally, inp.extraction_schema, pages, xml, inp.review_threshold)
                observe_extraction(result.engine, time.perf_counter() - started)
                extracted = await store_result(self.store, inp, result)
        return PrepareOutput(kind=info.kind, page_count=info.page_count, extracted=extracted)

    # -- replaced by prepare_file; kept for batches started before it ------------------------------

    @activity.defn(name=act.INGEST_FILE)
    async def ingest_file(self, inp: IngestInput) -> IngestOutput:
        async with keep_alive(), self._local_copy(inp.file.object_key, inp.file.file_id) as path:
            opened: OpenedDocument = await self._in_pool(
                open_document, path, name=inp.file.file_name, max_pages=self.settings.max_pages_per_file,
                max_pixels=self.settings.max_image_pixels, first_pages=0, dpi=self.settings.render_dpi,
            )
            key = await self._store_einvoice(inp.batch_id, inp.file.file_id, opened.einvoice)
        return IngestOutput(kind=opened.info.kind, page_count=opened.info.page_count, einvoice_key=key)

    @activity.defn(name=act.RENDER_PAGES)
    async def render_pages(self, inp: RenderInput) -> RenderOutput:
        details = activity.info().heartbeat_details
        resume_at = int(details[0]) if details else 0
        async with keep_alive(resume_at) as progress, self._local_copy(inp.object_key, inp.file_id) as path:
            await self._read_pages(
                path, batch_id=inp.batch_id, file_id=inp.file_id, kind=inp.kind, page_count=inp.page_count,
                language=inp.language, images=inp.images, store_all_words=True, resume_at=resume_at,
                progress=progress,
            )
        return RenderOutput(page_count=inp.page_count)

    @activity.defn(name=act.PURGE_FILE)
    async def purge_file(self, ref: FileRef) -> None:
        await asyncio.to_thread(self.store.delete_prefix, storage.file_prefix(ref.batch_id, ref.file_id))
