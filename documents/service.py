"""The document service: every PyMuPDF / tesseract / LibreOffice call of a process goes through one
of these.

PyMuPDF is not thread-safe and a hostile page can take a lot of memory or time, so the work runs
in page processes (documents/procpool.py) with an address-space cap and a time limit per call. The
API has a small pool (upload checks, office conversion, e-mail attachments, drawing a page a reader
asks for) shared in turns between accounts; each worker has its own (reading pages, OCR, the
offline engine). Both build it from the same settings, so limits agree.

Errors come back plain (documents/errors.py): DocumentRejected with a message for a human that
names the file (a page process that ran out of memory or time included); PageWorkFailed for a
fault of this machine, not of the document.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

from core.config import Settings
from documents.convert import convert_to_pdf
from documents.errors import DocumentRejected, call_plainly
from documents.inspect import DocumentInfo, identify, inspect_document
from documents.kinds import MESSAGE_KINDS, OFFICE_KINDS
from documents.messages import Attachment, message_attachments
from documents.pages import ModelPages, OpenedDocument, RenderedPage, open_document, render_pages
from documents.procpool import PagePool

CONVERT_GRACE_S = 15  # a conversion's page call outlives LibreOffice's own deadline by this much


def converted_path(path: Path) -> Path:
    """Where an office document's PDF is written, beside it."""
    return path.with_name(path.name + ".pdf")


class DocumentService:
    def __init__(self, settings: Settings, *, processes: int | None = None, nice: int | None = None,
                 call_limit_s: float | None = None):
        self.settings = settings
        self.call_limit_s = call_limit_s if call_limit_s is not None else settings.page_call_timeout_s
        self.pool = PagePool(
            processes if processes is not None else settings.render_processes,
            settings.render_memory_bytes,
            settings.render_nice if nice is None else nice,
        )

    @classmethod
    def for_api(cls, settings: Settings) -> DocumentService:
        """The API's: a few processes at normal priority, a short time limit per call."""
        return cls(settings, processes=settings.api_page_processes, nice=0,
                   call_limit_s=settings.api_page_call_timeout_s)

    async def run(self, fn, /, *args, owner: Hashable = None, call_limit_s: float | None = None,
                  label: str | None = None, **kwargs):
        """fn(*args, **kwargs) in a page process once ``owner`` has its turn, stopped after
        ``call_limit_s`` (default: this service's limit per call). Errors come back plain, naming
        the document: ``label``, else fn's ``name`` keyword."""
        name = label or str(kwargs.get("name") or "")
        try:
            return await self.pool.run(call_plainly, fn, name, *args, owner=owner,
                                       timeout_s=call_limit_s or self.call_limit_s or None, **kwargs)
        except MemoryError:
            raise DocumentRejected(f"'{name or 'the document'}' needs more memory to read than one document "
                                   "is allowed") from None
        except DocumentRejected as e:
            if not name or name in str(e):
                raise
            raise type(e)(f"'{name}' {e}") from None

    async def inspect(self, path: Path, name: str, *, owner: Hashable = None) -> DocumentInfo:
        """Opens the document and every page of it and counts them (at upload). An office document
        is converted first, to ``converted_path(path)``, and that PDF is what is inspected."""
        s = self.settings
        kind = await self.run(identify, path, name=name, owner=owner)
        if kind in MESSAGE_KINDS:
            raise DocumentRejected(f"'{name}' is an e-mail message: its attachments are the documents")
        if kind in OFFICE_KINDS:
            pdf = converted_path(path)
            await self.run(convert_to_pdf, path, pdf, kind=kind, name=name, limit_s=s.convert_timeout_s,
                           max_bytes=s.convert_memory_bytes, owner=owner,
                           call_limit_s=s.convert_timeout_s + CONVERT_GRACE_S)
            info = await self.run(inspect_document, pdf, name=name, max_pages=s.max_pages_per_file,
                                  max_pixels=s.max_image_pixels, kind="pdf", owner=owner)
            info.source_kind = kind
            return info
        return await self.run(inspect_document, path, name=name, max_pages=s.max_pages_per_file,
                              max_pixels=s.max_image_pixels, kind=kind, owner=owner)

    async def attachments(self, path: Path, name: str, out_dir: Path, *, owner: Hashable = None) -> list[Attachment] | None:
        """An e-mail message's readable attachments, written to out_dir; None when ``path`` is not
        a message (DocumentRejected when it is one without a readable attachment)."""
        kind = await self.run(identify, path, name=name, owner=owner)
        if kind not in MESSAGE_KINDS:
            return None
        s = self.settings
        return await self.run(message_attachments, path, kind=kind, name=name, out_dir=out_dir,
                              max_files=s.max_files_per_batch, max_bytes=s.max_file_bytes, owner=owner)

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

    async def draw_page(self, path: Path, *, kind: str, number: int, name: str = "the document",
                        owner: Hashable = None, rotation: float = 0.0) -> bytes:
        """One page (1-based) as PNG, for a reader; turned by ``rotation`` (an OCRed page, as read)."""
        [drawn] = await self.run(render_pages, path, kind=kind, start=number - 1, stop=number,
                                 dpi=self.settings.render_dpi, images=True, words=False, owner=owner,
                                 label=name, rotation=rotation)
        return drawn.png

    def shutdown(self) -> None:
        self.pool.shutdown()
