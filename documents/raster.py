"""Drawing pages as images within a pixel budget (page images for the model and readers, OCR input)."""

from __future__ import annotations

from documents.errors import DocumentRejected

# A page image for the model or a reviewer never needs more pixels than this; a larger page
# (a poster, a drawing) is drawn at a lower resolution instead of exhausting memory.
MAX_DRAW_PIXELS = 25_000_000
# A page is photo-like (a phone photo, a scan) when no one colour covers this much of it: drawn for
# the model as JPEG, which is a fraction of the PNG's size for such pages; rendered text stays PNG.
PHOTO_TOP_COLOUR_SHARE = 0.5
JPEG_QUALITY = 85


def zoom_for(page, dpi: float, max_pixels: int, max_side: int | None = None) -> float:
    """dpi / 72, lowered so the page stays within max_pixels (and its long side within max_side)."""
    area = max(page.rect.width * page.rect.height, 1.0)
    zoom = min(dpi / 72, (max_pixels / area) ** 0.5)
    if max_side:
        zoom = min(zoom, max_side / max(page.rect.width, page.rect.height, 1.0))
    return zoom


def _pixmap(page, number: int, zoom: float):
    import pymupdf

    # Errors leave this process as DocumentRejected: PyMuPDF's own exceptions do not pickle
    # back to the worker, and a page that cannot be drawn will not draw on a retry either.
    try:
        return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom))
    except MemoryError:
        raise DocumentRejected(
            f"page {number} ({page.rect.width:.0f} x {page.rect.height:.0f} pt) needs more memory to render "
            "than one page is allowed"
        ) from None
    except Exception as e:
        raise DocumentRejected(f"page {number} could not be rendered: {type(e).__name__}: {e}"[:500]) from None


def render_png(page, number: int, dpi: int) -> bytes:
    return _pixmap(page, number, zoom_for(page, dpi, MAX_DRAW_PIXELS)).tobytes("png")


def photo_like(page) -> bool:
    """Judged on a thumbnail (counting the colours of a full page of photo takes seconds)."""
    import pymupdf

    side = max(page.rect.width, page.rect.height, 1.0)
    thumb = page.get_pixmap(matrix=pymupdf.Matrix(128 / side, 128 / side))
    return thumb.color_topusage()[0] < PHOTO_TOP_COLOUR_SHARE


def model_image(page, number: int, dpi: int, max_side: int) -> bytes:
    """The page as an image for the model: its long side at most max_side pixels (Gemini downsizes
    larger images anyway), JPEG when it is photo-like, else PNG."""
    pix = _pixmap(page, number, zoom_for(page, dpi, MAX_DRAW_PIXELS, max_side))
    if photo_like(page):
        return pix.tobytes("jpeg", jpg_quality=JPEG_QUALITY)
    return pix.tobytes("png")
