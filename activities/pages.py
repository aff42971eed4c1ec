"""A file's pages as activities read them: the original downloaded to a temp dir, page work
through the document service (its rejections fail the file at once), and what is stored under the
file's prefix (words of OCRed pages, or of every page for the model; the pages as the model reads
them)."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from activities.errors import gone, rejected
from activities.heartbeat import keep_alive
from core import storage
from core.storage import ObjectMissing, ObjectStore
from core.text import without_paths
from documents.errors import DocumentRejected
from documents.pages import RenderedPage
from documents.service import DocumentService
from extraction.pages import DocumentText, PageText
from workflows.models import FileIds, FileInput

log = logging.getLogger("docparse.documents")

PAGES_PER_CALL = 8  # pages read per page-process call; also the resume step after a retry


def log_damage(file_id: str, warnings: Sequence[str]) -> None:
    """What MuPDF said reading a damaged page, logged with the file it belongs to (the page
    process that read it knows no ids)."""
    for warning in warnings:
        log.warning("file %s: %s", file_id, warning, extra={"file_id": file_id})


class PageReader:
    """A file's pages through the document service, with what is stored under its prefix."""

    def __init__(self, store: ObjectStore, documents: DocumentService):
        self.store = store
        self.documents = documents

    @asynccontextmanager
    async def local_copy(self, object_key: str, file_id: str) -> AsyncIterator[Path]:
        with tempfile.TemporaryDirectory(prefix="docparse-") as tmp:
            path = Path(tmp) / "original"
            try:
                await asyncio.to_thread(self.store.download, object_key, path)
            except ObjectMissing:
                raise gone(file_id) from None
            yield path

    async def in_pool(self, call):
        """A document-service call; what the document makes impossible fails the file at once."""
        try:
            return await call
        except DocumentRejected as e:
            raise rejected(without_paths(str(e), "the file")) from None

    async def stored_words(self, batch_id: str, file_id: str, numbers: range) -> list[str] | None:
        """PageText JSON of these pages as stored, or None when one of them is not."""
        try:
            return [
                (await asyncio.to_thread(self.store.get_bytes, storage.page_words_key(batch_id, file_id, n))).decode()
                for n in numbers
            ]
        except ObjectMissing:
            return None

    async def read_pages(
        self, path: Path, *, batch_id: str, file_id: str, kind: str, page_count: int, language: str,
        images: bool, store_all_words: bool, resume_at: int, progress: list, first: Sequence[RenderedPage] = (),
    ) -> list[str]:
        """Every page's words (PageText JSON), PAGES_PER_CALL pages per process call (``first``:
        the first pages, read already); `images`: the pages as the model reads them too.

        Stored: those model pages, and words of every page (store_all_words: the model reads them
        later) or of OCRed pages only (the costly ones). A retry resumes after the last call done
        (heartbeat details) and reads back what was stored; a call not wholly stored is redone.
        """
        pages: list[str] = []
        for start in range(0, page_count, PAGES_PER_CALL):
            stop = min(start + PAGES_PER_CALL, page_count)
            if start == 0 and first:
                rendered = first
            else:
                if start < resume_at:
                    stored = await self.stored_words(batch_id, file_id, range(start + 1, stop + 1))
                    if stored is not None:
                        pages += stored
                        continue
                rendered = await self.in_pool(self.documents.read_pages(
                    path, kind=kind, start=start, stop=stop, language=language, images=images))
            for offset, page in enumerate(rendered):
                number = start + offset + 1
                assert page.words_json is not None  # words are always asked for here
                log_damage(file_id, page.warnings)
                if page.png is not None:  # the page as the model reads it (an image or a one-page PDF)
                    await asyncio.to_thread(
                        self.store.put_bytes, storage.model_page_key(batch_id, file_id, number), page.png,
                    )
                if store_all_words or page.source == "ocr":
                    await asyncio.to_thread(
                        self.store.put_bytes, storage.page_words_key(batch_id, file_id, number),
                        page.words_json.encode(), "application/json",
                    )
                pages.append(page.words_json)
            progress[:] = [stop]
        return pages

    async def words(self, ids: FileIds, file: FileInput, language: str) -> DocumentText:
        """The file's words: pages whose words are stored as stored (OCR is costly), the others
        read again from the original's text layer."""
        found: dict[int, str] = {}
        for n in range(1, file.page_count + 1):
            try:
                key = storage.page_words_key(ids.batch_id, ids.file_id, n)
                found[n] = (await asyncio.to_thread(self.store.get_bytes, key)).decode()
            except ObjectMissing:
                pass
        missing = [n for n in range(1, file.page_count + 1) if n not in found]
        if missing:
            async with keep_alive(), self.local_copy(file.object_key, file.file_id) as path:
                for n in missing:
                    [page] = await self.in_pool(self.documents.read_pages(
                        path, kind=file.kind, start=n - 1, stop=n, language=language, images=False))
                    found[n] = page.words_json
        return DocumentText(file_name=file.file_name,
                            pages=[PageText.model_validate_json(found[n]) for n in sorted(found)])
