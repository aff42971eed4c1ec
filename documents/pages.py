"""Reading a document's pages: words with positions (text layer, or OCR) and page images.

PyMuPDF is not thread-safe, so callers run these functions in page *processes*
(documents/procpool.py). Everything here takes a local file path and returns plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from documents.errors import DocumentRejected
from documents.inspect import DocumentInfo, inspect_document
from documents.kinds import image_size
from documents.ocr import OcrUnavailable, ocr_languages, ocr_page
from documents.raster import model_image, render_png
from documents.textlayer import page_text

# A page with fewer text-layer words than this is treated as a scan (a stamp, a page number or a
# scanner's label may be all its text layer holds).
MIN_TEXT_WORDS = 5


def _needs_ocr(page, words: int) -> bool:
    """No (or almost no) text layer: OCR. A few words over a page-sized image: OCR too."""
    if words < MIN_TEXT_WORDS:
        return True
    if words >= 40:
        return False
    try:
        area = abs(page.rect)
        for info in page.get_image_info():
            x0, y0, x1, y1 = info["bbox"]
            if area and (x1 - x0) * (y1 - y0) >= 0.5 * area:
                return True
    except Exception:  # pragma: no cover - image info is a hint only
        return False
    return False


def _ocr_or_reject(page, number: int, *, image_page: bool, fallback, image_px=None, language: str = "auto"):
    try:
        ocr = ocr_page(page, number, image_page=image_page, image_px=image_px, langs=ocr_languages(language))
    except OcrUnavailable as e:
        raise DocumentRejected(f"page {number} has no text layer and needs OCR, but {e}") from None
    # keep the text layer when OCR found less than it (a page that was mostly a picture of a logo)
    if fallback is not None and len(fallback.words) >= len(ocr.words):
        return fallback
    return ocr


def page_words(page, number: int, *, kind: str, image_px=None, language: str = "auto"):
    """One page's words as extraction.pages.PageText: the PDF's text layer, or OCR for a page without
    one (or with almost none) and for every page of an image document (PNG, JPEG, TIFF)."""
    if kind != "pdf":
        return _ocr_or_reject(page, number, image_page=True, fallback=None, image_px=image_px, language=language)
    text = page_text(page, number)
    if _needs_ocr(page, len(text.words)):
        text = _ocr_or_reject(page, number, image_page=False, fallback=text if text.words else None,
                              language=language)
    return text


MAX_MESSAGES = 3  # MuPDF lines quoted in a warning (a damaged content stream repeats one per part)


def mupdf_messages() -> list[str]:
    """MuPDF's messages since the last call (distinct lines, in order), its own printing to
    stderr turned off: they are logged by the worker with the file they belong to."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    return list(dict.fromkeys(line for line in pymupdf.TOOLS.mupdf_warnings(reset=True).splitlines() if line))


def damage_warnings(index: int, *, repaired: bool, opening: list[str], reading: list[str]) -> list[str]:
    """A page's warnings: on the first page, that the PDF was damaged and repaired when opened;
    on any page, what MuPDF could not read of it."""
    out = []
    if index == 0 and repaired:
        out.append("the PDF is damaged: MuPDF had to repair it to open it, so some of its content may be "
                   f"missing or wrong (MuPDF: {'; '.join(opening[:MAX_MESSAGES]) or 'repaired'})")
    if reading:
        more = f" and {len(reading) - MAX_MESSAGES} more" if len(reading) > MAX_MESSAGES else ""
        out.append(f"page {index + 1} is damaged: {'; '.join(reading[:MAX_MESSAGES])}{more} (MuPDF)")
    return out


class RenderedPage(NamedTuple):
    # The page drawn for a reader (PNG, `images`), or made for the model (`model`: PNG, JPEG or a
    # one-page PDF); None when neither was asked for.
    png: bytes | None
    words_json: str | None  # extraction.pages.PageText as JSON; None when words were not asked for
    source: str  # "text", "ocr" or "none" (words not read)
    warnings: tuple[str, ...] = ()  # what MuPDF said of a damaged page (also in words_json)


@dataclass(frozen=True)
class ModelPages:
    """How pages are made for the model: PDF pages as one-page PDFs ("pdf", unless one is over
    pdf_max_bytes: a heavy scan) or drawn ("images"); image files always drawn. Drawn pages have a
    long side of at most max_side pixels, and are JPEG when photo-like (documents/raster.py)."""

    input: str = "pdf"  # "pdf" | "images"
    max_side: int = 3072
    pdf_max_bytes: int = 4 * 1024 * 1024


def _one_page_pdf(doc, index: int) -> bytes:
    import pymupdf

    with pymupdf.open() as out:
        out.insert_pdf(doc, from_page=index, to_page=index)
        return out.tobytes(garbage=3, deflate=True)


def model_page(doc, index: int, *, kind: str, dpi: int, model: ModelPages) -> bytes:
    if kind == "pdf" and model.input == "pdf":
        try:
            data = _one_page_pdf(doc, index)
        except Exception:  # pragma: no cover - a page PyMuPDF cannot copy is drawn instead
            data = b""
        if data and len(data) <= model.pdf_max_bytes:
            return data
    return model_image(doc[index], index + 1, dpi, model.max_side)


def render_pages(
    path: Path, *, kind: str, start: int, stop: int, dpi: int, language: str = "auto",
    images: bool = True, words: bool = True, model: ModelPages | None = None, rotation: float = 0.0,
) -> list[RenderedPage]:
    """Pages [start, stop) (0-based): the page (PNG for a reader; as the model reads it when `model`
    says how) and words (JSON, so the worker passes them on without parsing them). Page images are only
    drawn for the model and for readers; the offline engine reads words alone (see page_words).
    ``rotation``: a reader's page drawn without reading its words is turned by this much (the
    PageText.rotation its words were read with)."""
    import pymupdf

    out: list[RenderedPage] = []
    image_px = image_size(path, kind) if kind in ("png", "jpeg") else None
    mupdf_messages()  # MuPDF's messages from here on belong to this document
    with pymupdf.open(str(path), filetype=kind) as doc:
        opening = mupdf_messages()
        for index in range(start, min(stop, doc.page_count)):
            page = doc[index]
            text = page_words(page, index + 1, kind=kind, image_px=image_px, language=language) if words else None
            if text is not None:
                text.warnings = damage_warnings(index, repaired=doc.is_repaired, opening=opening,
                                                reading=mupdf_messages())
            png: bytes | None = None
            if model is not None:
                png = model_page(doc, index, kind=kind, dpi=dpi, model=model)
            elif images:  # as the words were read: an OCRed page upright (PageText.rotation)
                png = render_png(page, index + 1, dpi, rotation=text.rotation if text else rotation)
            out.append(RenderedPage(png, text.model_dump_json() if text else None, text.source if text else "none",
                                    tuple(text.warnings) if text else ()))
    return out


@dataclass
class OpenedDocument:
    info: DocumentInfo
    einvoice: tuple[str, bytes] | None  # ("cii" | "ubl", XML) embedded in a PDF
    first_pages: list[RenderedPage]  # pages [0, first_pages) as render_pages reads them


def open_document(
    path: Path, *, name: str, max_pages: int, max_pixels: int, first_pages: int, dpi: int,
    language: str = "auto", images: bool = False, model: ModelPages | None = None,
) -> OpenedDocument:
    """inspect_document, find_einvoice_xml and render_pages of the first pages in one process
    call: most documents are a page or two, and each call to the page pool is a queue wait.
    Pages are not made for the model when an e-invoice makes it unnecessary."""
    from documents.attachments import find_einvoice_xml

    info = inspect_document(path, name=name, max_pages=max_pages, max_pixels=max_pixels)
    einvoice = find_einvoice_xml(path) if info.kind == "pdf" else None
    pages = render_pages(path, kind=info.kind, start=0, stop=min(first_pages, info.page_count), dpi=dpi,
                         language=language, images=images and einvoice is None,
                         model=model if einvoice is None else None) if first_pages else []
    return OpenedDocument(info, einvoice, pages)
