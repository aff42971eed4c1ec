"""A PDF page's own text layer as extraction.pages.PageText (worker processes only, never workflow code)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extraction.pages import PageText, Word

if TYPE_CHECKING:  # pragma: no cover
    import pymupdf


def page_text(page: pymupdf.Page, number: int) -> PageText:
    """Words of ``page`` with boxes in points (origin top-left), block and line numbers kept.

    ``number`` is the 1-based page number. source="text", or "none" when the page has no words
    (a scan without text layer: the caller may OCR it).
    """
    rect = page.rect
    # words: (x0, y0, x1, y1, text, block_no, line_no, word_no); rotation is already applied
    # by PyMuPDF to the page's coordinate system (top-left origin, unrotated page space).
    raw = page.get_text("words", sort=False)
    words: list[Word] = []
    for x0, y0, x1, y1, text, block, line, _wno in raw:
        text = text.strip()
        if not text:
            continue
        words.append(
            Word(
                text=text,
                x0=float(x0 - rect.x0),
                y0=float(y0 - rect.y0),
                x1=float(x1 - rect.x0),
                y1=float(y1 - rect.y0),
                block=int(block),
                line=int(line),
            )
        )
    return PageText(
        number=number,
        width=float(rect.width),
        height=float(rect.height),
        source="text" if words else "none",
        words=words,
    )

