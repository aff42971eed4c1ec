"""Page words for engine and confidence tests: synthetic rows, or a PDF's text layer."""

from __future__ import annotations

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
