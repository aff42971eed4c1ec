"""Damaged and hostile documents (issue 14): each passed the old upload check or made it a 500."""

from __future__ import annotations

from tests.support.images import gray_tiff, pdf_to_jpeg, pdf_to_png
from tests.support.invoices import make_invoice


def truncated_png() -> bytes:
    png = pdf_to_png(make_invoice(seed=1)[0])
    return png[: len(png) // 2]


def jpeg_without_scan_data() -> bytes:
    """Headers and a frame header (SOF) up to, not including, the start of scan."""
    jpg = pdf_to_jpeg(make_invoice(seed=1)[0])
    return jpg[: jpg.find(b"\xff\xda")]


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_page_tree_loop() -> bytes:
    """A page tree whose only kid is itself."""
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def pdf_count_bomb(count: int = 999_999_999) -> bytes:
    """One page, a page tree claiming ``count``."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ])


def tiff(frames: int = 1, width: int = 64, height: int = 64, data: bytes | None = None) -> bytes:
    """An uncompressed 8-bit grayscale TIFF of ``frames`` frames sharing one strip of pixel data
    (so a 30000 x 30000 frame, or 1,500 frames, cost a few bytes)."""
    pixels = data if data is not None else (bytes(range(256)) * (width * height // 256 + 1))[: width * height]
    return gray_tiff([(width, height, pixels)] * frames)


def tiff_declaring(width: int = 30_000, height: int = 30_000) -> bytes:
    """A TIFF whose header declares a huge frame, with 64 bytes of pixel data."""
    return tiff(1, width, height, data=b"\x00" * 64)
