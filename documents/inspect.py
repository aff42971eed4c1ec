"""Checking an uploaded document opens, and counting its pages (runs in a page process)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from documents.errors import DocumentRejected
from documents.kinds import SUPPORTED, image_size, sniff_kind


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
        size = image_size(path, kind)
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
            for page in doc.pages():
                r = page.rect
                if r.width * r.height > max_pixels:
                    raise DocumentRejected(f"'{name}' has a page over {max_pixels:,} pixels")
    return DocumentInfo(kind=kind, page_count=count)
