"""The document service: every PyMuPDF / tesseract call of a process goes through one of these.

PyMuPDF is not thread-safe and a hostile page can take a lot of memory or time, so the work runs
in page processes (documents/procpool.py) with an address-space cap. The API has a small one
(upload inspection, drawing a page a reader asks for); each worker has its own (reading pages,
OCR, the offline engine). Both build it from the same settings, so limits agree.

Errors come back as DocumentRejected with a message for a human (a page process that ran out of
memory included); anything else is a fault of this machine, not of the document.
"""

from __future__ import annotations

from pathlib import Path

from core.config import Settings
from documents.errors import DocumentRejected
from documents.inspect import DocumentInfo, inspect_document
from documents.pages import ModelPages, OpenedDocument, RenderedPage, open_document, render_pages
from documents.procpool import PagePool


class DocumentService:
    def __init__(self, settings: Settings, *, processes: int | None = None, nice: int | None = None):
        self.settings = settings
        self.pool = PagePool(
            processes if processes is not None else settings.render_processes,
            settings.render_memory_bytes,
            settings.render_nice if nice is None else nice,
        )

    async def run(self, fn, /, *args, **kwargs):
        """fn(*args, **kwargs) in a page process (CPU-bound work kept off the event loop)."""
        try:
            return await self.pool.run(fn, *args, **kwargs)
        except MemoryError:
            raise DocumentRejected("a page needs more memory to read than one page is allowed") from None

    async def inspect(self, path: Path, name: str) -> DocumentInfo:
        """Opens the document and counts its pages (at upload)."""
        s = self.settings
        try:
            return await self.pool.run(inspect_document, path, name=name, max_pages=s.max_pages_per_file,
                                       max_pixels=s.max_image_pixels)
        except MemoryError:
            raise DocumentRejected(f"'{name}' needs too much memory to open") from None

    @property
    def model_pages(self) -> ModelPages:
        """How pages are made for the model (the settings' model_page_input, image and PDF caps)."""
        s = self.settings
        return ModelPages(input=s.model_page_input, max_side=s.model_image_max_side,
                          pdf_max_bytes=s.model_page_pdf_max_bytes)

    async def open(self, path: Path, name: str, *, first_pages: int, language: str, images: bool) -> OpenedDocument:
        """inspect + embedded e-invoice + the first pages' words (and, `images`: the pages as the
        model reads them), in one process call."""
        s = self.settings
        return await self.run(open_document, path, name=name, max_pages=s.max_pages_per_file,
                              max_pixels=s.max_image_pixels, first_pages=first_pages, dpi=s.render_dpi,
                              language=language, model=self.model_pages if images else None)

    async def read_pages(self, path: Path, *, kind: str, start: int, stop: int, language: str,
                         images: bool) -> list[RenderedPage]:
        """Pages [start, stop) (0-based): words (text layer or OCR) and, `images`: the pages as
        the model reads them (ModelPages)."""
        return await self.run(render_pages, path, kind=kind, start=start, stop=stop, dpi=self.settings.render_dpi,
                              language=language, images=False, model=self.model_pages if images else None)

    async def draw_page(self, path: Path, *, kind: str, number: int, rotation: float = 0.0) -> bytes:
        """One page (1-based) as PNG, for a reader; turned by ``rotation`` (an OCRed page, as read)."""
        [drawn] = await self.run(render_pages, path, kind=kind, start=number - 1, stop=number,
                                 dpi=self.settings.render_dpi, images=True, words=False, rotation=rotation)
        return drawn.png

    def shutdown(self) -> None:
        self.pool.shutdown()
