"""What a document is, from its first bytes and its image header (no decoding)."""

from __future__ import annotations

import struct
from pathlib import Path

KINDS = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}
SUPPORTED = "PDF, PNG, JPEG or TIFF"



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


def image_size(path: Path, kind: str) -> tuple[int, int] | None:
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
