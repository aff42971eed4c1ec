"""A PDF page writer that remembers where each truth value was printed.

Text goes through PyMuPDF's TextWriter with the built-in Base-14 font programs (Helvetica, Times,
Courier and their bold faces), which carry €, accents and typographic quotes; page.insert_text with
Base-14 names would print "?" for €.
"""

from __future__ import annotations

from dataclasses import dataclass

import pymupdf

PAPER = {"a4": (595.0, 842.0), "letter": (612.0, 792.0)}


@dataclass
class Printed:
    """A truth value as printed: its truth path, the exact text and the 1-based page."""

    path: str
    text: str
    page: int


_ADVANCE: dict[tuple[str, str], float] = {}  # (font, character) -> advance at size 1


class Canvas:
    """``dry``: lay out and count pages without drawing (the first of two passes)."""

    def __init__(self, paper: str, font: tuple[str, str], size: float, dry: bool = False) -> None:
        self.w, self.h = PAPER[paper]
        self.dry = dry
        self.font_names = {False: font[0], True: font[1]}
        self.doc = pymupdf.open()
        self.fonts = {False: pymupdf.Font(font[0]), True: pymupdf.Font(font[1])}
        self.size = size
        self.page: pymupdf.Page | None = None
        self.writer: pymupdf.TextWriter | None = None
        self.page_no = 0
        self.printed: list[Printed] = []

    # pages -----------------------------------------------------------------------------------
    def new_page(self) -> None:
        self.flush()
        self.page = self.doc.new_page(width=self.w, height=self.h)
        self.writer = pymupdf.TextWriter(self.page.rect)
        self.page_no += 1

    def flush(self) -> None:
        if self.page is not None and self.writer is not None:
            self.writer.write_text(self.page)
            self.writer = None

    def tobytes(self) -> bytes:
        self.flush()
        self.doc.set_metadata({"producer": "docparse synth", "creator": "docparse synth"})
        data = self.doc.tobytes(garbage=3, deflate=True, no_new_id=True)
        self.doc.close()
        return data

    # drawing ---------------------------------------------------------------------------------
    def width(self, s: str, size: float | None = None, bold: bool = False) -> float:
        # Font.text_length costs a call per character; advances are cached per font and character
        name, font, total = self.font_names[bold], self.fonts[bold], 0.0
        for ch in s:
            adv = _ADVANCE.get((name, ch))
            if adv is None:
                adv = _ADVANCE[(name, ch)] = font.text_length(ch, fontsize=1.0)
            total += adv
        return total * (size or self.size)

    def text(self, x: float, y: float, s: str, *, size: float | None = None, bold: bool = False,
             align: str = "left", path: str | None = None, value: str | None = None) -> float:
        """Writes ``s`` with its baseline at y; returns its width. ``path`` records the truth value
        ``value`` (default: the whole text) as printed on this page."""
        if not s:
            return 0.0
        size = size or self.size
        wd = self.width(s, size, bold)
        if align == "right":
            x -= wd
        elif align == "center":
            x -= wd / 2
        assert self.writer is not None, "new_page() first"
        if not self.dry:
            self.writer.append((x, y), s, font=self.fonts[bold], fontsize=size)
        if path:
            self.printed.append(Printed(path, value if value is not None else s, self.page_no))
        return wd

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.5, gray: float = 0.55) -> None:
        assert self.page is not None
        if not self.dry:
            self.page.draw_line((x0, y0), (x1, y1), color=(gray, gray, gray), width=width)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: float | None = None,
             stroke: float | None = 0.55) -> None:
        assert self.page is not None
        if not self.dry:
            self.page.draw_rect(pymupdf.Rect(x0, y0, x1, y1),
                            color=(stroke, stroke, stroke) if stroke is not None else None,
                            fill=(fill, fill, fill) if fill is not None else None, width=0.5)

    def wrap(self, s: str, max_w: float, size: float | None = None, bold: bool = False) -> list[str]:
        """Greedy word wrap of ``s`` into lines no wider than max_w."""
        words, lines, cur = s.split(), [], ""
        for wd in words:
            cand = f"{cur} {wd}".strip()
            if cur and self.width(cand, size, bold) > max_w:
                lines.append(cur)
                cur = wd
            else:
                cur = cand
        if cur:
            lines.append(cur)
        return lines or [""]
