"""Opening uploaded documents with PyMuPDF: sniff the type, count pages, render pages.

PyMuPDF is not thread-safe, so callers run these functions in worker *processes*
(see `core.procpool`). Everything here takes a local file path and returns plain data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

KINDS = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}
SUPPORTED = "PDF, PNG, JPEG or TIFF"


class DocumentRejected(Exception):
    """The document cannot be processed; the message says why, for a human."""


def sniff_kind(head: bytes) -> str | None:
    """The document type from its first bytes; names and Content-Type are not trusted."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    # A PDF header may follow a little junk; readers accept it within the first 1 KB.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def _image_size(path: Path, kind: str) -> tuple[int, int] | None:
    """Pixel size from the image header, without decoding the pixels."""
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    if kind == "png" and len(head) >= 24 and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    if kind == "jpeg":
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                return None
            marker = head[i + 1]
            length = struct.unpack(">H", head[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", head[i + 5 : i + 9])
                return w, h
            i += 2 + length
    return None


@dataclass
class DocumentInfo:
    kind: str
    page_count: int


def inspect_document(path: Path, *, name: str, max_pages: int, max_pixels: int) -> DocumentInfo:
    """Checks that the document opens and counts its pages; raises DocumentRejected."""
    import pymupdf

    with open(path, "rb") as f:
        head = f.read(1024)
    if not head:
        raise DocumentRejected(f"'{name}' is empty")
    kind = sniff_kind(head)
    if kind is None:
        raise DocumentRejected(f"'{name}' is not a supported document type (expected {SUPPORTED})")
    if kind in ("png", "jpeg"):
        size = _image_size(path, kind)
        if size is None:
            raise DocumentRejected(f"'{name}' is a damaged {kind.upper()} image (its header cannot be read)")
        w, h = size
        if w == 0 or h == 0:
            raise DocumentRejected(f"'{name}' has an empty image ({w}x{h} pixels)")
        if w * h > max_pixels:
            raise DocumentRejected(
                f"'{name}' is {w}x{h} pixels; images over {max_pixels:,} pixels are refused"
            )
    try:
        doc = pymupdf.open(str(path), filetype=kind)
    except Exception as e:  # EmptyFileError, FileDataError, FzErrorLimit ... all mean "cannot open"
        raise DocumentRejected(f"'{name}' cannot be opened as {kind.upper()}: {e}") from None
    with doc:
        if doc.needs_pass:
            raise DocumentRejected(f"'{name}' is password-protected")
        count = doc.page_count
        if count == 0:
            raise DocumentRejected(f"'{name}' has no pages (the file is damaged or truncated)")
        if count > max_pages:
            raise DocumentRejected(f"'{name}' has {count} pages; at most {max_pages} are allowed per file")
        if kind == "tiff":
            for page in doc:
                r = page.rect
                if r.width * r.height > max_pixels:
                    raise DocumentRejected(f"'{name}' has a page over {max_pixels:,} pixels")
    return DocumentInfo(kind=kind, page_count=count)


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
    from core.ocr import OcrUnavailable, ocr_languages, ocr_page

    try:
        ocr = ocr_page(page, number, image_page=image_page, image_px=image_px, langs=ocr_languages(language))
    except OcrUnavailable as e:
        raise DocumentRejected(f"page {number} has no text layer and needs OCR, but {e}") from None
    # keep the text layer when OCR found less than it (a page that was mostly a picture of a logo)
    if fallback is not None and len(fallback.words) >= len(ocr.words):
        return fallback
    return ocr


# A page image for the model or a reviewer never needs more pixels than this; a larger page
# (a poster, a drawing) is drawn at a lower resolution instead of exhausting memory.
MAX_DRAW_PIXELS = 25_000_000


def zoom_for(page, dpi: float, max_pixels: int) -> float:
    """dpi / 72, lowered so the page stays within max_pixels."""
    area = max(page.rect.width * page.rect.height, 1.0)
    return min(dpi / 72, (max_pixels / area) ** 0.5)


def _render_png(page, number: int, dpi: int) -> bytes:
    import pymupdf

    # Errors leave this process as DocumentRejected: PyMuPDF's own exceptions do not pickle
    # back to the worker, and a page that cannot be drawn will not draw on a retry either.
    zoom = zoom_for(page, dpi, MAX_DRAW_PIXELS)
    try:
        return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom)).tobytes("png")
    except MemoryError:
        raise DocumentRejected(
            f"page {number} ({page.rect.width:.0f} x {page.rect.height:.0f} pt) needs more memory to render "
            "than one page is allowed"
        ) from None
    except Exception as e:
        raise DocumentRejected(f"page {number} could not be rendered: {type(e).__name__}: {e}"[:500]) from None


def page_words(page, number: int, *, kind: str, image_px=None, language: str = "auto"):
    """One page's words as core.pages.PageText: the PDF's text layer, or OCR for a page without
    one (or with almost none) and for every page of an image document (PNG, JPEG, TIFF)."""
    from core.textlayer import page_text

    if kind != "pdf":
        return _ocr_or_reject(page, number, image_page=True, fallback=None, image_px=image_px, language=language)
    text = page_text(page, number)
    if _needs_ocr(page, len(text.words)):
        text = _ocr_or_reject(page, number, image_page=False, fallback=text if text.words else None,
                              language=language)
    return text


class RenderedPage(NamedTuple):
    png: bytes | None  # None when images were not asked for
    words_json: str | None  # core.pages.PageText as JSON; None when words were not asked for
    source: str  # "text", "ocr" or "none" (words not read)


def render_pages(
    path: Path, *, kind: str, start: int, stop: int, dpi: int, language: str = "auto",
    images: bool = True, words: bool = True,
) -> list[RenderedPage]:
    """Pages [start, stop) (0-based): PNG and words (JSON, so the worker passes them on without
    parsing them). Page images are only drawn for the model and for readers; the offline engine
    reads words alone (see page_words)."""
    import pymupdf

    out: list[RenderedPage] = []
    image_px = _image_size(path, kind) if kind in ("png", "jpeg") else None
    with pymupdf.open(str(path), filetype=kind) as doc:
        for index in range(start, min(stop, doc.page_count)):
            page = doc[index]
            png = _render_png(page, index + 1, dpi) if images else None
            text = page_words(page, index + 1, kind=kind, image_px=image_px, language=language) if words else None
            out.append(RenderedPage(png, text.model_dump_json() if text else None, text.source if text else "none"))
    return out


@dataclass
class OpenedDocument:
    info: DocumentInfo
    einvoice: tuple[str, bytes] | None  # ("cii" | "ubl", XML) embedded in a PDF
    first_pages: list[RenderedPage]  # pages [0, first_pages) as render_pages reads them


def open_document(
    path: Path, *, name: str, max_pages: int, max_pixels: int, first_pages: int, dpi: int,
    language: str = "auto", images: bool = True,
) -> OpenedDocument:
    """inspect_document, find_einvoice_xml and render_pages of the first pages in one process
    call: most documents are a page or two, and each call to the page pool is a queue wait.
    Page images are not drawn when an e-invoice makes them unnecessary."""
    from core.einvoice import find_einvoice_xml

    info = inspect_document(path, name=name, max_pages=max_pages, max_pixels=max_pixels)
    einvoice = find_einvoice_xml(path) if info.kind == "pdf" else None
    pages = render_pages(path, kind=info.kind, start=0, stop=min(first_pages, info.page_count), dpi=dpi,
                         language=language, images=images and einvoice is None) if first_pages else []
    return OpenedDocument(info, einvoice, pages)
