"""Drawing pages as images within a pixel budget (page images for the model and readers, OCR input).

An OCRed page is read upright and straight (documents/ocr.py: turned by ``PageText.rotation``
degrees); a reader's image of it is drawn turned the same way (``render_png(rotation=...)``),
so citations, which are in the upright page's coordinates, fall on the words.
"""

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


# The resolution at which a scan is analysed and read when its own cannot be known (a PDF page
# drawn in vectors), and the most it is drawn at (a 600-dpi scan is read at 300).
SCAN_DPI, MAX_SCAN_DPI = 150.0, 300.0


def native_zoom(page, image_px: tuple[int, int] | None, max_pixels: int) -> float:
    """The zoom that draws a scanned page pixel for pixel: an image page's pixels (``image_px``),
    else the largest image on the page; SCAN_DPI when neither is known. Drawn 1:1, speckles stay
    single pixels (documents/scanprep.despeckle); resampled, they smear."""
    long_pt = max(page.rect.width, page.rect.height, 1.0)
    dpi = max(image_px) / long_pt * 72 if image_px else None
    if dpi is None:
        try:
            infos = [i for i in page.get_image_info() if i.get("width") and i["bbox"][2] > i["bbox"][0]]
        except Exception:  # pragma: no cover - image info is a hint only
            infos = []
        if infos:
            big = max(infos, key=lambda i: (i["bbox"][2] - i["bbox"][0]) * (i["bbox"][3] - i["bbox"][1]))
            x0, y0, x1, y1 = big["bbox"]
            # the image may be drawn turned a quarter: compare long sides
            dpi = max(big["width"], big["height"]) / max(x1 - x0, y1 - y0) * 72
    return zoom_for(page, min(dpi or SCAN_DPI, MAX_SCAN_DPI), max_pixels)


def upright_size(rect, rotation: float) -> tuple[float, float]:
    """Width and height of a page turned by ``rotation`` degrees (a quarter turn swaps them)."""
    quarter = round(rotation / 90) % 2 == 1
    return (rect.height, rect.width) if quarter else (rect.width, rect.height)


def _turned_pixmap(page, zoom: float, rotation: float, colorspace):
    """The page drawn turned by ``rotation`` degrees (PyMuPDF's prerotate: about its centre),
    cropped to the upright page's size: corners turned out of the frame are cut off."""
    import numpy as np
    import pymupdf

    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom).prerotate(rotation), colorspace=colorspace, alpha=False)
    w, h = upright_size(page.rect, rotation)
    cw, ch = min(round(w * zoom), pix.width), min(round(h * zoom), pix.height)
    x0, y0 = (pix.width - cw) // 2, (pix.height - ch) // 2
    a = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[y0:y0 + ch, x0:x0 + cw]
    return pymupdf.Pixmap(colorspace, cw, ch, np.ascontiguousarray(a).tobytes(), False)


def draw_upright(pix, rect, rotation: float, zoom: float):
    """A grey pixmap of a page (``rect`` in points) redrawn upright and straight at ``zoom``
    (pixels per point): a grey numpy array, what OCR reads."""
    import numpy as np
    import pymupdf

    if not rotation and abs(pix.width - rect.width * zoom) < 1:
        return np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width)
    with pymupdf.open() as doc:
        page = doc.new_page(width=rect.width, height=rect.height)
        page.insert_image(page.rect, pixmap=pix)
        out = _turned_pixmap(page, zoom, rotation, pymupdf.csGRAY)
    return np.frombuffer(out.samples, np.uint8).reshape(out.height, out.width)


def render_png(page, number: int, dpi: int, rotation: float = 0.0) -> bytes:
    """The page for a reader; an OCRed page turned by its PageText.rotation, as it was read."""
    zoom = zoom_for(page, dpi, MAX_DRAW_PIXELS)
    if not rotation:
        return _pixmap(page, number, zoom).tobytes("png")
    import pymupdf

    try:
        return _turned_pixmap(page, zoom, rotation, pymupdf.csRGB).tobytes("png")
    except Exception as e:
        raise DocumentRejected(f"page {number} could not be rendered: {type(e).__name__}: {e}"[:500]) from None


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
