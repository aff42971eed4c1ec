"""Image test documents made with PyMuPDF (PNG, JPEG) and a minimal multi-page TIFF writer
(PyMuPDF reads TIFF but does not write it, and Pillow is not a dependency)."""

from __future__ import annotations

import struct

import pymupdf


def _gray_pixmaps(pdf: bytes, dpi: int) -> list[pymupdf.Pixmap]:
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return [page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY) for page in doc]


def pdf_to_png(pdf: bytes, dpi: int = 100) -> bytes:
    return _gray_pixmaps(pdf, dpi)[0].tobytes("png")


def pdf_to_jpeg(pdf: bytes, dpi: int = 100) -> bytes:
    return _gray_pixmaps(pdf, dpi)[0].tobytes("jpg")


def pdf_to_tiff(pdf: bytes, dpi: int = 72) -> bytes:
    """Every page as one uncompressed 8-bit grayscale TIFF page (baseline TIFF 6.0)."""
    pages = _gray_pixmaps(pdf, dpi)
    out = bytearray(b"II*\x00" + struct.pack("<I", 0))
    prev_next_offset = 4
    for pix in pages:
        data = bytes(pix.samples)
        data_offset = len(out)
        out += data
        if len(out) % 2:
            out += b"\x00"
        ifd_offset = len(out)
        struct.pack_into("<I", out, prev_next_offset, ifd_offset)
        entries = [
            (256, 4, 1, pix.width),  # ImageWidth
            (257, 4, 1, pix.height),  # ImageLength
            (258, 3, 1, 8),  # BitsPerSample
            (259, 3, 1, 1),  # Compression: none
            (262, 3, 1, 1),  # Photometric: black is zero
            (273, 4, 1, data_offset),  # StripOffsets
            (277, 3, 1, 1),  # SamplesPerPixel
            (278, 4, 1, pix.height),  # RowsPerStrip
            (279, 4, 1, len(data)),  # StripByteCounts
        ]
        out += struct.pack("<H", len(entries))
        for tag, typ, count, value in entries:
            out += struct.pack("<HHII", tag, typ, count, value)
        prev_next_offset = len(out)
        out += struct.pack("<I", 0)
    return bytes(out)
