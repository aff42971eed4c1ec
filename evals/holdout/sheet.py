"""Drawing invoice pages with PyMuPDF: text in TrueType fonts found on this machine (Liberation,
DejaVu, Carlito; looked up at run time, Base-14 Helvetica/Times/Courier when none is installed),
rules, boxes and fills, and a record of where every truth value is printed.

Coordinates are PDF points from the top-left corner; ``y`` of a text is its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import pymupdf

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
# family -> style -> candidate file names, first found wins
FACES = {
    "sans": {"r": ["LiberationSans-Regular.ttf", "DejaVuSans.ttf"], "b": ["LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf"],
             "i": ["LiberationSans-Italic.ttf", "DejaVuSans-Oblique.ttf"]},
    "serif": {"r": ["LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"], "b": ["LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"],
              "i": ["LiberationSerif-Italic.ttf", "DejaVuSerif-Italic.ttf"]},
    "humanist": {"r": ["Carlito-Regular.ttf", "DejaVuSans.ttf"], "b": ["Carlito-Bold.ttf", "DejaVuSans-Bold.ttf"],
                 "i": ["Carlito-Italic.ttf", "DejaVuSans-Oblique.ttf"]},
    "condensed": {"r": ["DejaVuSansCondensed.ttf", "LiberationSansNarrow-Regular.ttf"],
                  "b": ["DejaVuSansCondensed-Bold.ttf", "LiberationSansNarrow-Bold.ttf"],
                  "i": ["DejaVuSansCondensed-Oblique.ttf", "LiberationSansNarrow-Italic.ttf"]},
    "mono": {"r": ["LiberationMono-Regular.ttf", "DejaVuSansMono.ttf"], "b": ["LiberationMono-Bold.ttf", "DejaVuSansMono-Bold.ttf"],
             "i": ["LiberationMono-Italic.ttf", "DejaVuSansMono-Oblique.ttf"]},
}
BASE14 = {"sans": {"r": "helv", "b": "hebo", "i": "heit"}, "serif": {"r": "tiro", "b": "tibo", "i": "tiit"},
          "mono": {"r": "cour", "b": "cobo", "i": "coit"}}
PAPER = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}


@lru_cache(maxsize=1)
def _font_files() -> dict[str, str]:
    found: dict[str, str] = {}
    for d in FONT_DIRS:
        p = Path(d)
        if p.is_dir():
            for f in sorted(p.rglob("*.ttf")):
                found.setdefault(f.name, str(f))
    return found


@dataclass(frozen=True)
class Face:
    alias: str
    file: str | None  # None: a Base-14 font


@lru_cache(maxsize=64)
def _font(alias: str, file: str | None) -> pymupdf.Font:
    return pymupdf.Font(fontfile=file) if file else pymupdf.Font(fontname=alias)


@lru_cache(maxsize=20000)
def _length(alias: str, file: str | None, s: str, size: float) -> float:
    return _font(alias, file).text_length(s, fontsize=size)


@lru_cache(maxsize=64)
def face(family: str, style: str = "r") -> Face:
    """The face of a family (sans, serif, humanist, condensed, mono) and style (r, b, i)."""
    files = _font_files()
    for name in FACES[family][style]:
        if name in files:
            return Face(alias=f"{family[:3]}{style}", file=files[name])
    fallback = BASE14.get(family, BASE14["sans"])
    return Face(alias=fallback[style], file=None)


def fonts_used() -> dict[str, str]:
    """What each face resolves to on this machine (recorded with a generated set)."""
    return {f"{fam}-{st}": Path(face(fam, st).file or face(fam, st).alias).name for fam in FACES for st in "rbi"}


@dataclass
class Printed:
    path: str  # truth key: invoice_number, line_items[3].amount ...
    page: int  # 1-based
    text: str  # exactly as printed


@dataclass
class Sheet:
    """A document being drawn, one page at a time."""
    paper: str = "a4"
    family: str = "sans"
    doc: pymupdf.Document = field(default_factory=pymupdf.open)
    printed: list[Printed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.w, self.h = PAPER[self.paper]
        self.page: pymupdf.Page = self.doc.new_page(width=self.w, height=self.h)
        self._shape: pymupdf.Shape | None = None

    @property
    def shape(self) -> pymupdf.Shape:
        """The current page's drawing, committed when the page changes (one content stream per
        page: much faster than a page.insert_text per string). Text lands above fills."""
        if self._shape is None:
            self._shape = self.page.new_shape()
        return self._shape

    def _flush(self) -> None:
        if self._shape is not None:
            self._shape.commit()
            self._shape = None

    @property
    def page_no(self) -> int:
        return self.page.number + 1

    def new_page(self) -> None:
        self._flush()
        self.page = self.doc.new_page(width=self.w, height=self.h)

    def each_page(self, draw) -> None:
        """Calls ``draw(page_no, page_count)`` with every page current in turn (footers, page numbers);
        the last page stays current."""
        n = self.doc.page_count
        for i in range(n):
            self._flush()
            self.page = self.doc[i]
            draw(i + 1, n)

    def face(self, style: str = "r", family: str | None = None) -> Face:
        return face(family or self.family, style)

    def width(self, s: str, size: float, style: str = "r", family: str | None = None) -> float:
        f = self.face(style, family)
        return _length(f.alias, f.file, s, size)

    def text(self, x: float, y: float, s: str, *, size: float = 9, style: str = "r", family: str | None = None,
             color: tuple[float, float, float] = (0, 0, 0), align: str = "left",
             mark: str | dict[str, str] | None = None) -> float:
        """Draws ``s`` with its baseline at y (x is its left, right or centre by ``align``);
        ``mark`` names the truth key the text prints (or key -> the part of s that prints it).
        Returns the text's width."""
        f = self.face(style, family)
        w = _length(f.alias, f.file, s, size)
        x0 = x - w if align == "right" else x - w / 2 if align == "center" else x
        self.shape.insert_text((x0, y), s, fontname=f.alias, fontfile=f.file, fontsize=size, color=color)
        if isinstance(mark, str):
            self.printed.append(Printed(mark, self.page_no, s))
        elif mark:
            for k, part in mark.items():
                assert part in s, (k, part, s)
                self.printed.append(Printed(k, self.page_no, part))
        return w

    def mark(self, path: str, text: str) -> None:
        """Records that ``text`` (drawn already, maybe over several lines) prints the truth key."""
        self.printed.append(Printed(path, self.page_no, text))

    def wrap(self, s: str, width: float, size: float, style: str = "r") -> list[str]:
        """Greedy word wrap to ``width`` points."""
        lines: list[str] = []
        cur = ""
        for word in s.split(" "):
            t = f"{cur} {word}" if cur else word
            if cur and self.width(t, size, style) > width:
                lines.append(cur)
                cur = word
            else:
                cur = t
        return lines + [cur] if cur else lines

    def lines(self, x: float, y: float, rows: list[str], *, size: float = 9, lead: float | None = None,
              style: str = "r", color: tuple[float, float, float] = (0, 0, 0), align: str = "left",
              marks: Mapping[int, str | dict[str, str] | None] | None = None) -> float:
        """Several lines from baseline y down; returns the baseline after the last."""
        lead = lead or size * 1.3
        for n, row in enumerate(rows):
            self.text(x, y, row, size=size, style=style, color=color, align=align, mark=(marks or {}).get(n))
            y += lead
        return y

    def rect(self, x0: float, y0: float, x1: float, y1: float, *, fill: tuple[float, float, float] | None = None,
             stroke: tuple[float, float, float] | None = (0, 0, 0), width: float = 0.6) -> None:
        sh = self.shape
        sh.draw_rect(pymupdf.Rect(x0, y0, x1, y1))
        sh.finish(color=stroke, fill=fill, width=width if stroke else 0)

    def hline(self, x0: float, x1: float, y: float, *, width: float = 0.5,
              color: tuple[float, float, float] = (0, 0, 0), dashes: str | None = None) -> None:
        sh = self.shape
        sh.draw_line((x0, y), (x1, y))
        sh.finish(color=color, width=width, dashes=dashes)

    def vline(self, x: float, y0: float, y1: float, *, width: float = 0.5,
              color: tuple[float, float, float] = (0, 0, 0)) -> None:
        sh = self.shape
        sh.draw_line((x, y0), (x, y1))
        sh.finish(color=color, width=width)

    def finish(self) -> bytes:
        """The PDF bytes (fonts subset; the same drawing gives the same bytes)."""
        self._flush()
        self.doc.subset_fonts()
        data = self.doc.tobytes(garbage=3, deflate=True, no_new_id=True)
        self.doc.close()
        return data
