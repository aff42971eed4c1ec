"""Drawing pages as images within a pixel budget (page images for the model and readers, OCR input)."""

from __future__ import annotations

from documents.errors import DocumentRejected

# A page image for the model or a reviewer never needs more pixels than this; a larger page
# (a poster, a drawing) is drawn at a lower resolution instead of exhausting memory.
MAX_DRAW_PIXELS = 25_000_000


def zoom_for(page, dpi: float, max_pixels: int) -> float:
    """dpi / 72, lowered so the page stays within max_pixels."""
    area = max(page.rect.width * page.rect.height, 1.0)
    return min(dpi / 72, (max_pixels / area) ** 0.5)


def render_png(page, number: int, dpi: int) -> bytes:
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
