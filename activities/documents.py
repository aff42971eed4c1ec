"""Document activities: check the stored original, render pages and words, purge a file."""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio import activity

from activities.errors import gone, rejected
from activities.heartbeat import keep_alive
from core import storage
from core.config import Settings
from core.documents import DocumentRejected, inspect_document, render_pages
from core.einvoice import find_einvoice_xml
from core.procpool import PagePool
from core.storage import ObjectMissing, ObjectStore
from workflows import activity_names as act
from workflows.models import FileRef, IngestInput, IngestOutput, RenderInput, RenderOutput

PAGES_PER_CHUNK = 8


class DocumentActivities:
    def __init__(self, settings: Settings, store: ObjectStore, pool: PagePool):
        self.settings = settings
        self.store = store
        self.pool = pool

    @asynccontextmanager
    async def _local_copy(self, object_key: str, file_id: str):
        with tempfile.TemporaryDirectory(prefix="docparse-") as tmp:
            path = Path(tmp) / "original"
            try:
                await asyncio.to_thread(self.store.download, object_key, path)
            except ObjectMissing:
                raise gone(file_id) from None
            yield path

    @activity.defn(name=act.INGEST_FILE)
    async def ingest_file(self, inp: IngestInput) -> IngestOutput:
        async with keep_alive(), self._local_copy(inp.file.object_key, inp.file.file_id) as path:
            try:
                info = await self.pool.run(
                    inspect_document, path, name=inp.file.file_name,
                    max_pages=self.settings.max_pages_per_file,
                    max_pixels=self.settings.max_image_pixels,
                )
            except DocumentRejected as e:
                raise rejected(str(e)) from None
            einvoice_key = None
            if info.kind == "pdf":
                # Factur-X / ZUGFeRD / XRechnung: exact values beat reading the print.
                found = await self.pool.run(find_einvoice_xml, path)
                if found is not None:
                    einvoice_key = storage.einvoice_key(inp.batch_id, inp.file.file_id)
                    await asyncio.to_thread(self.store.put_bytes, einvoice_key, found[1], "application/xml")
        return IngestOutput(kind=info.kind, page_count=info.page_count, einvoice_key=einvoice_key)

    @activity.defn(name=act.RENDER_PAGES)
    async def render_pages(self, inp: RenderInput) -> RenderOutput:
        # Resume after the last chunk a previous attempt stored (heartbeat details).
        details = activity.info().heartbeat_details
        start = int(details[0]) if details else 0
        async with keep_alive(start) as progress, self._local_copy(inp.object_key, inp.file_id) as path:
            for chunk in range(start, inp.page_count, PAGES_PER_CHUNK):
                try:
                    pages = await self.pool.run(
                        render_pages, path, kind=inp.kind, start=chunk,
                        stop=chunk + PAGES_PER_CHUNK, dpi=self.settings.render_dpi, language=inp.language,
                    )
                except DocumentRejected as e:
                    raise rejected(str(e)) from None
                except MemoryError:
                    raise rejected(
                        f"a page in pages {chunk + 1}-{chunk + PAGES_PER_CHUNK} needs more memory "
                        "to render than one page is allowed"
                    ) from None
                for offset, (png, words_json) in enumerate(pages):
                    number = chunk + offset + 1
                    await asyncio.to_thread(
                        self.store.put_bytes,
                        storage.page_image_key(inp.batch_id, inp.file_id, number), png, "image/png",
                    )
                    await asyncio.to_thread(
                        self.store.put_bytes,
                        storage.page_words_key(inp.batch_id, inp.file_id, number),
                        words_json.encode(), "application/json",
                    )
                progress[:] = [chunk + PAGES_PER_CHUNK]
        return RenderOutput(page_count=inp.page_count)

    @activity.defn(name=act.PURGE_FILE)
    async def purge_file(self, ref: FileRef) -> None:
        await asyncio.to_thread(self.store.delete_prefix, storage.file_prefix(ref.batch_id, ref.file_id))
