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

_Char = tuple[str, float, float, float, float, float]  # text, x0, y0, x1, y1, font size


def page_text(page: pymupdf.Page, number: int) -> PageText:
    """Words of ``page`` with boxes in points (origin top-left), block and line numbers kept.

    ``number`` is the 1-based page number. source="text", or "none" when the page has no words
    (a scan without text layer: the caller may OCR it). Words are what MuPDF's own "words" output
    gives (characters between spaces of one line), read from one pass over the characters, except
    that a run of text set over the end of another starts a word of its own.
    """
    import pymupdf

    rect = page.rect
    # rotation is already applied by PyMuPDF to the page's coordinate system (top-left origin)
    raw = page.get_text("rawdict", flags=pymupdf.TEXTFLAGS_WORDS)
    words: list[Word] = []
    for block in raw.get("blocks", []):
        for lno, line in enumerate(block.get("lines", [])):
            level = _horizontal(line)
            chars: list[_Char] = [(c["c"], *c["bbox"], span["size"]) for span in line["spans"] for c in span["chars"]]
            for run in _runs(chars, split_overprints=level):
                text = "".join(c[0] for c in run).strip()
                if not text:
                    continue
                words.append(Word(
                    text=text,
                    x0=float(min(c[1] for c in run) - rect.x0), y0=float(min(c[2] for c in run) - rect.y0),
                    x1=float(max(c[3] for c in run) - rect.x0), y1=float(max(c[4] for c in run) - rect.y0),
                    block=int(block["number"]), line=lno,
                ))
    return PageText(number=number, width=float(rect.width), height=float(rect.height),
                    source="text" if words else "none", words=words)


def _horizontal(line: dict[str, Any]) -> bool:
    dx, dy = line.get("dir", (1, 0))
    return dx >= 0.99 and abs(dy) <= 0.01


def _runs(chars: list[_Char], *, split_overprints: bool) -> list[list[_Char]]:
    """The line's words: characters between spaces; where ``split_overprints``, a character that
    starts inside the previous glyph (not before it: right-to-left text runs backwards whole)
    starts a new one."""
    runs: list[list[_Char]] = []
    current: list[_Char] = []
    for ch in chars:
        if ch[0].isspace():
            if current:
                runs.append(current)
            current = []
            continue
        prev = current[-1] if current else None
        if split_overprints and prev is not None and prev[1] <= ch[1] < prev[3] - OVERPRINT_EM * max(prev[5], 1.0):
            runs.append(current)
            current = []
        current.append(ch)
    if current:
        runs.append(current)
    return runs
