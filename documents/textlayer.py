"""A PDF page's own text layer as extraction.pages.PageText (worker processes only, never workflow code)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from extraction.pages import PageText, Word

if TYPE_CHECKING:  # pragma: no cover
    import pymupdf

# A character that starts this far (in ems) inside the previous one was set over it: a new run of
# text placed there (a spreadsheet cell whose clipped label runs under the next cell's value), not
# kerning, which moves glyphs by a few hundredths of an em.
OVERPRINT_EM = 0.2


def page_text(page: pymupdf.Page, number: int) -> PageText:
    """Words of ``page`` with boxes in points (origin top-left), block and line numbers kept.

    ``number`` is the 1-based page number. source="text", or "none" when the page has no words
    (a scan without text layer: the caller may OCR it).
    """
    import pymupdf

    rect = page.rect
    textpage = page.get_textpage(flags=pymupdf.TEXTFLAGS_WORDS)
    # words: (x0, y0, x1, y1, text, block_no, line_no, word_no); rotation is already applied
    # by PyMuPDF to the page's coordinate system (top-left origin, unrotated page space).
    raw = page.get_text("words", sort=False, textpage=textpage)
    runs = _overprint_splits(page.get_text("rawdict", textpage=textpage))
    words: list[Word] = []
    for x0, y0, x1, y1, text, block, line, wno in raw:
        pieces = runs.get((block, line, wno)) or [(text, x0, x1)]
        for piece, px0, px1 in pieces:
            piece = piece.strip()
            if not piece:
                continue
            words.append(
                Word(
                    text=piece,
                    x0=float(px0 - rect.x0),
                    y0=float(y0 - rect.y0),
                    x1=float(px1 - rect.x0),
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


def _overprint_splits(raw: dict[str, Any]) -> dict[tuple[int, int, int], list[tuple[str, float, float]]]:
    """The words that hold two runs of text set one over the other, as their pieces (text, x0, x1),
    keyed by (block, line, word) as get_text("words") numbers them. Horizontal lines only."""
    out: dict[tuple[int, int, int], list[tuple[str, float, float]]] = {}
    for block in raw.get("blocks", []):
        for lno, line in enumerate(block.get("lines", [])):
            dx, dy = line.get("dir", (1, 0))
            if dx < 0.99 or abs(dy) > 0.01:
                continue
            chars = [(c["c"], c["bbox"][0], c["bbox"][2], span["size"])
                     for span in line["spans"] for c in span["chars"]]
            wno = -1
            word: list[tuple[str, float, float, float]] = []
            for ch in [*chars, (" ", 0.0, 0.0, 0.0)]:  # a space ends the last word
                if ch[0].isspace():
                    if word:
                        wno += 1
                        pieces = _pieces(word)
                        if len(pieces) > 1:
                            out[(block["number"], lno, wno)] = pieces
                    word = []
                else:
                    word.append(ch)
    return out


def _pieces(chars: list[tuple[str, float, float, float]]) -> list[tuple[str, float, float]]:
    pieces: list[list[tuple[str, float, float, float]]] = [[chars[0]]]
    for prev, ch in zip(chars, chars[1:]):
        # starts inside the previous glyph (not before it: right-to-left text runs backwards whole)
        if prev[1] <= ch[1] < prev[2] - OVERPRINT_EM * max(prev[3], 1.0):
            pieces.append([ch])
        else:
            pieces[-1].append(ch)
    return [("".join(c[0] for c in p), p[0][1], max(c[2] for c in p)) for p in pieces]
