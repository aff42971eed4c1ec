"""Checking an uploaded document opens, and counting its pages (runs in a page process).

Every page counted is opened: a PDF's every page object is loaded (a page tree that points to
itself fails here, not in the worker); an image's structure is read to its end without decoding
its pixels (Pillow: a truncated PNG, a JPEG with a frame header but no scan data, a TIFF frame
over the pixel cap, more TIFF frames than pages allowed), so what is accepted can be read.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from documents.errors import DocumentRejected
from documents.kinds import KINDS, SUPPORTED, sniff_file


@dataclass
class DocumentInfo:
    kind: str  # what the pipeline reads: pdf | png | jpeg | tiff
    page_count: int
    source_kind: str | None = None  # what was uploaded, when it was converted (docx, html ...)


def identify(path: Path, name: str) -> str:
    """The document's kind (see documents/kinds.py); DocumentRejected when it is none we read."""
    if path.stat().st_size == 0:
        raise DocumentRejected(f"'{name}' is empty")
    kind = sniff_file(path, name)
    if kind is None:
        raise DocumentRejected(f"'{name}' is not a supported document type (expected {SUPPORTED})")
    return kind


def _image_pages(path: Path, kind: str, *, name: str, max_pages: int, max_pixels: int) -> int:
    """Frames of an image, each one's header checked against max_pixels, its data against
    truncation; nothing decoded at full size."""
    from PIL import Image

    def too_big(w: int, h: int, frame: int) -> DocumentRejected | None:
        if w == 0 or h == 0:
            return DocumentRejected(f"'{name}' has an empty image ({w}x{h} pixels)")
        if w * h > max_pixels:
            where = f"page {frame + 1} is" if frame else "is"
            return DocumentRejected(f"'{name}' {where} {w}x{h} pixels; images over {max_pixels:,} pixels are refused")
        return None

    Image.MAX_IMAGE_PIXELS = None  # max_pixels is the cap, checked on every frame below
    label = "JPEG" if kind == "jpeg" else kind.upper()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(path) as im:
                if (err := too_big(*im.size, 0)) is not None:
                    raise err
                if kind == "tiff":
                    frames = 0
                    while True:
                        frames += 1
                        if frames > max_pages:
                            raise DocumentRejected(
                                f"'{name}' has more than {max_pages} pages; at most {max_pages} are allowed per file")
                        try:
                            im.seek(frames)
                        except EOFError:
                            return frames
                        if (err := too_big(*im.size, frames)) is not None:
                            raise err
                if kind == "jpeg":
                    # decoded at 1/8 scale by libjpeg: the scan data must be there, at little cost
                    im.draft("L", (max(1, im.size[0] // 8), max(1, im.size[1] // 8)))
                    im.load()
                else:
                    im.verify()  # every chunk to the end, with its checksum; no pixels decoded
        except DocumentRejected:
            raise
        except Exception as e:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError ...
            raise DocumentRejected(f"'{name}' is a damaged {label} image ({e})") from None
    return 1


def inspect_document(path: Path, *, name: str, max_pages: int, max_pixels: int, kind: str | None = None,
                     ) -> DocumentInfo:
    """Checks that the document opens, every page of it, and counts its pages; raises
    DocumentRejected. ``kind``: already known (a converted PDF); else sniffed."""
    import pymupdf

    kind = kind or identify(path, name)
    if kind not in KINDS:
        raise DocumentRejected(f"'{name}' is not a supported document type to read as it is "
                               f"({kind.upper()} is converted to PDF or opened at upload)")
    label = kind.upper()
    expected = None
    if kind != "pdf":
        expected = _image_pages(path, kind, name=name, max_pages=max_pages, max_pixels=max_pixels)
    try:
        doc = pymupdf.open(str(path), filetype=kind)
    except Exception as e:  # EmptyFileError, FileDataError, FzErrorLimit ... all mean "cannot open"
        raise DocumentRejected(f"'{name}' cannot be opened as {label}: {e}") from None
    with doc:
        if doc.needs_pass:
            raise DocumentRejected(f"'{name}' is password-protected")
        try:
            count = doc.page_count
        except Exception as e:  # a page tree with an impossible /Count
            raise DocumentRejected(f"'{name}' has a damaged page tree ({e})") from None
        if count == 0:
            raise DocumentRejected(f"'{name}' has no pages (the file is damaged or truncated)")
        if count > max_pages:
            raise DocumentRejected(f"'{name}' has {count} pages; at most {max_pages} are allowed per file")
        if expected is not None and count != expected:
            raise DocumentRejected(f"'{name}' is a damaged {label} image (its pages cannot be counted)")
        if kind == "pdf":
            for number in range(count):
                try:
                    doc.load_page(number)
                except Exception as e:  # a cycle in the page tree, a missing page object ...
                    raise DocumentRejected(f"'{name}': page {number + 1} cannot be opened ({e})") from None
    return DocumentInfo(kind=kind, page_count=count)
