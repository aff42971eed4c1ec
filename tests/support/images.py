"""Image test documents made with PyMuPDF (PNG, JPEG) and a minimal multi-page TIFF writer
(PyMuPDF reads TIFF but does not write it)."""

from __future__ import annotations

import struct

import pymupdf


def _gray_pixmaps(pdf: bytes, dpi: int) -> list[pymupdf.Pixmap]:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return [page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY) for page in doc]


def scan_grey(png: bytes):
    """A page image as OCR analyses it: grey, speckles removed (a numpy array)."""
    import numpy as np

    from documents.scanprep import despeckle

    pix = pymupdf.Pixmap(png)
    if pix.n != 1:
        pix = pymupdf.Pixmap(pymupdf.csGRAY, pix)
    return despeckle(np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width))[0]


def pdf_to_png(pdf: bytes, dpi: int = 100) -> bytes:
    return _gray_pixmaps(pdf, dpi)[0].tobytes("png")


def pdf_to_jpeg(pdf: bytes, dpi: int = 100) -> bytes:
    return _gray_pixmaps(pdf, dpi)[0].tobytes("jpg")


def scan_png(pdf: bytes, *, dpi: int = 150, rotate: float = 0.0, turn: int = 0, noise: float = 0.0,
             seed: int = 0) -> bytes:
    """Page 1 as a grey PNG scan: skewed by ``rotate`` degrees, turned by ``turn``, speckled
    (evals.evaluate.ScanDamage, what `docparse eval --as-scans` does to a set)."""
    import random

    from evals.evaluate import ScanDamage, scanned_pixmap

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        damage = ScanDamage(noise=noise, rotate=rotate, turn=turn, seed=seed)
        return scanned_pixmap(doc[0], dpi, damage, random.Random(seed)).tobytes("png")


def pdf_to_tiff(pdf: bytes, dpi: int = 72) -> bytes:
    """Every page as one uncompressed 8-bit grayscale TIFF page (baseline TIFF 6.0)."""
    return gray_tiff([(pix.width, pix.height, bytes(pix.samples)) for pix in _gray_pixmaps(pdf, dpi)])


def gray_tiff(frames: list[tuple[int, int, bytes]]) -> bytes:
    """(width, height, 8-bit gray pixels) per frame as an uncompressed TIFF; frames given the same
    bytes object share one strip (a file of many large frames stays small)."""
    out = bytearray(b"II*\x00" + struct.pack("<I", 0))
    strips: dict[int, int] = {}  # id(pixels) -> offset
    prev_next_offset = 4
    for width, height, data in frames:
        if id(data) not in strips:
            strips[id(data)] = len(out)
            out += data + b"\x00" * (len(data) % 2)
        ifd_offset = len(out)
        struct.pack_into("<I", out, prev_next_offset, ifd_offset)
        entries = [
            (256, 4, 1, width),  # ImageWidth
            (257, 4, 1, height),  # ImageLength
            (258, 3, 1, 8),  # BitsPerSample
            (259, 3, 1, 1),  # Compression: none
            (262, 3, 1, 1),  # Photometric: black is zero
            (273, 4, 1, strips[id(data)]),  # StripOffsets
            (277, 3, 1, 1),  # SamplesPerPixel
            (278, 4, 1, height),  # RowsPerStrip
            (279, 4, 1, len(data)),  # StripByteCounts
        ]
        out += struct.pack("<H", len(entries))
        for tag, typ, count, value in entries:
            out += struct.pack("<HHII", tag, typ, count, value)
        prev_next_offset = len(out)
        out += struct.pack("<I", 0)
    return bytes(out)


def phone_photo(width: int = 4032, height: int = 3024, text: str = "Invoice No: PHOTO-1") -> bytes:
    """A phone-photo-like JPEG (4032 x 3024, the size of a 12 MP phone camera): a sheet lit from one
    side on a desk whose colour changes across the frame, so no one colour covers much of it, as in
    a photo. (An earlier version striped the whole frame at text-line spacing, which no photo does
    and which OCR rightly reads as lines.)"""
    doc = pymupdf.open()
    page = doc.new_page(width=width, height=height)
    steps = 160
    for i in range(steps):
        shade = (0.35 + 0.3 * i / steps, 0.3 + 0.25 * i / steps, 0.25 + 0.2 * i / steps)
        page.draw_rect(pymupdf.Rect(i * width / steps, 0, (i + 1) * width / steps + 1, height), color=None, fill=shade)
    paper = pymupdf.Rect(width * 0.18, height * 0.08, width * 0.82, height * 0.95)
    bands = 120
    for i in range(bands):
        g = 0.97 - 0.17 * i / bands
        y0 = paper.y0 + i * paper.height / bands
        page.draw_rect(pymupdf.Rect(paper.x0, y0, paper.x1, y0 + paper.height / bands + 1), color=None,
                       fill=(g, g, g * 0.97))
    x = paper.x0 + 120
    page.insert_text((x, paper.y0 + 250), text, fontsize=90)
    for k, line in enumerate(["ITEM A-1 2 x 10.00 = 20.00", "Total: 20.00"]):
        page.insert_text((x, paper.y0 + 450 + 120 * k), line, fontsize=80)
    return page.get_pixmap(dpi=72).tobytes("jpeg", jpg_quality=85)


def scanned_pdf(pages: int, seed: int = 31) -> bytes:
    """A scan: every page an image of an invoice page, no text layer (each page is OCRed). The one
    image is stored once, so 200 pages stay small."""
    from tests.support.invoices import make_invoice, render_png

    image = render_png(make_invoice(seed=seed)[0], dpi=100)
    doc = pymupdf.open()
    for _ in range(pages):
        page = doc.new_page()
        page.insert_image(page.rect, stream=image)
    return doc.tobytes(deflate=True)
