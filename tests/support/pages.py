"""Page words for engine and confidence tests: synthetic rows, or a PDF's text layer."""

from __future__ import annotations

import math

import pymupdf

from documents.textlayer import page_text
from extraction.pages import DocumentText, PageText, Word


def words_page(lines: list[list[tuple[float, str]]], number: int = 1, y0: float = 50,
               height: float = 850) -> PageText:
    """A page from rows of (x, text): 10 pt high words, 6 pt per character."""
    words = []
    for k, row in enumerate(lines):
        y = y0 + 16 * k
        for x, text in row:
            words.append(Word(text=text, x0=x, y0=y, x1=x + 6 * len(text), y1=y + 10))
    return PageText(number=number, width=600, height=height, words=words)


def read_pdf(data: bytes) -> DocumentText:
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return DocumentText(pages=[page_text(p, i + 1) for i, p in enumerate(doc)])


def phrase_page(lines: list[list[tuple]], number: int = 1, y0: float = 40, width: float = 595,
                height: float = 842, source: str = "text", conf: float | None = None) -> PageText:
    """A page from rows of (x, phrase) or (x, phrase, size): each phrase is cut into words (half
    the size per character, 0.3 of the size between words); an empty row is a blank line."""
    words = []
    y = y0
    for n, row in enumerate(lines):
        size = max([c[2] if len(c) > 2 else 9.0 for c in row] or [9.0])
        for cell in row:
            x, phrase = cell[0], cell[1]
            s = cell[2] if len(cell) > 2 else 9.0
            for tok in phrase.split():
                w = 0.5 * s * len(tok)
                top = y + (size - s)
                words.append(Word(text=tok, x0=x, y0=top, x1=x + w, y1=top + s, conf=conf, line=n))
                x += w + 0.3 * s
        y += 1.5 * size
    return PageText(number=number, width=width, height=height, words=words,
                    source="ocr" if conf is not None else source)  # type: ignore[arg-type]


def rotated(page: PageText, degrees: float) -> PageText:
    """The page's word boxes turned about the page centre, as OCR reads a slightly rotated scan."""
    a = math.radians(degrees)
    cx, cy = page.width / 2, page.height / 2
    out = []
    for w in page.words:
        x, y = (w.x0 + w.x1) / 2 - cx, (w.y0 + w.y1) / 2 - cy
        nx, ny = cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)
        hw, hh = (w.x1 - w.x0) / 2, (w.y1 - w.y0) / 2
        out.append(w.model_copy(update={"x0": nx - hw, "x1": nx + hw, "y0": ny - hh, "y1": ny + hh}))
    return page.model_copy(update={"words": out})
